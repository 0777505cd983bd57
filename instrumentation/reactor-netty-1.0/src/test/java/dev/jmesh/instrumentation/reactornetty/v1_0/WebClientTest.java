package dev.jmesh.instrumentation.reactornetty.v1_0;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.instrumentation.testing.InProcessAdvice;
import dev.jmesh.instrumentation.testing.LoopbackBackend;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Spring's {@code WebClient} over the woven Reactor Netty: the headers WebClient writes only with
 * the request are there when the route is chosen, and a route timeout is what WebClient users
 * catch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebClientTest {

  private ScriptedBridge bridge;
  private LoopbackBackend v1;
  private LoopbackBackend v2;
  private ConnectionProvider pool;
  private WebClient client;

  @BeforeAll
  void weave() throws Exception {
    InProcessAdvice.install(new ReactorNettyModule());
    InProcessAdvice.install(new WebClientModule());
    v1 = LoopbackBackend.plain("127.0.0.2");
    v2 = LoopbackBackend.plain("127.0.0.3");
    pool = ConnectionProvider.builder("webclient-test").maxConnections(16).build();
    client =
        WebClient.builder()
            .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool)))
            .build();
  }

  @AfterAll
  void stop() {
    v1.close();
    v2.close();
    pool.dispose();
  }

  @BeforeEach
  void install() {
    bridge = ScriptedBridge.install();
    v1.reset();
    v2.reset();
  }

  @AfterEach
  void uninstall() {
    bridge.close();
  }

  @Test
  void webClientsHeadersChooseTheRoute() {
    bridge.route(
        "reviews",
        9080,
        r ->
            new ScriptedCall()
                .endpoints("jason".equals(r.header("end-user")) ? v2.address() : v1.address()));

    String jason =
        client
            .get()
            .uri("http://reviews:9080/")
            .header("End-User", "jason")
            .retrieve()
            .bodyToMono(String.class)
            .block(Duration.ofSeconds(10));
    String other =
        client
            .get()
            .uri("http://reviews:9080/")
            .retrieve()
            .bodyToMono(String.class)
            .block(Duration.ofSeconds(10));

    assertThat(jason).startsWith("127.0.0.3");
    assertThat(other).startsWith("127.0.0.2");
    assertThat(v2.seen().get(0).host()).isEqualTo("reviews:9080");
  }

  @Test
  void aRouteTimeoutIsWebClientsRequestExceptionAroundNettysReadTimeout() {
    v1.delayMillis(3000);
    bridge.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(v1.address()).timeout(Duration.ofMillis(300).toNanos()));

    Throwable failure = null;
    long start = System.nanoTime();
    try {
      client
          .get()
          .uri("http://reviews:9080/")
          .retrieve()
          .bodyToMono(String.class)
          .block(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      failure = e;
    }

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(failure).isInstanceOf(WebClientRequestException.class);
    assertThat(failure.getCause())
        .isInstanceOf(io.netty.handler.timeout.ReadTimeoutException.class);
  }
}
