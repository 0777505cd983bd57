package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 from a client (h2c with prior knowledge) to a port whose application is declared HTTP/1.1
 * ({@code http}): the engine carries each stream as an HTTP/1.1 request, as Istio's inbound cluster
 * for an {@code http} port does. The application is the JDK's HTTP server, which speaks no HTTP/2
 * at all: passed on as HTTP/2, every request would fail.
 */
class InboundHttp2ToHttp1Test {

  private final H2Peers h2 = new H2Peers();
  private InboundFixture fixture;
  private EchoApp app;
  private InboundPort port;

  @BeforeEach
  void start() throws Exception {
    int declared;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      declared = probe.getLocalPort();
    }
    fixture =
        new InboundFixture(
            InboundLimits.DEFAULTS,
            SettingsParser.parse(
                new SettingSource(
                    Map.of("service", "reviews", "servicePorts", "http:" + declared),
                    Map.of(),
                    Map.of())));
    app = new EchoApp();
    port =
        fixture.serve(
            app.address(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL), declared);
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
    h2.close();
    app.close();
  }

  @Test
  void streamsReachAnHttp1ApplicationAsHttp1Requests() throws Exception {
    Channel connection = h2.connect(port.declared(), null);
    H2Peers.Response get =
        H2Peers.request(connection, headers("GET", "/"), null).get(5, TimeUnit.SECONDS);
    assertThat(get.headers().status().toString()).isEqualTo("200");
    assertThat(get.body()).isEqualTo("ok");
    assertThat(get.headers().get("seen-xff").toString()).isEqualTo("127.0.0.1");
    assertThat(get.headers().get("x-envoy-peer-metadata")).isNotNull();
    // HTTP/1.1 connection headers do not leak into HTTP/2 (they are forbidden there).
    assertThat(get.headers().contains("connection")).isFalse();
    assertThat(get.headers().contains("transfer-encoding")).isFalse();

    // A body of unknown length goes as chunks; two streams on the one connection.
    H2Peers.Response upload =
        H2Peers.request(connection, headers("POST", "/upload"), "x".repeat(100_000))
            .get(5, TimeUnit.SECONDS);
    assertThat(upload.headers().status().toString()).isEqualTo("200");
    assertThat(upload.body()).isEqualTo("100000");
    assertThat(app.requests.get()).isEqualTo(2);
    connection.close();

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                fixture.scrape().find("istio_requests_total", "response_code", "200").orElse(0.0)
                    == 2.0);
  }

  private static Http2Headers headers(String method, String path) {
    return new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("reviews");
  }
}
