package dev.jmesh.instrumentation.reactornetty.v1_0;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.jmesh.instrumentation.testing.ScriptedCall;
import io.netty.channel.epoll.Epoll;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

/**
 * {@link DirectPathTest} on Netty's native epoll transport, which connects past the JDK's socket
 * hooks: the mesh's TLS and the connect's own check come from the module's {@code doConnect} advice
 * on {@code AbstractEpollChannel}.
 */
class EpollDirectPathTest extends DirectPathTest {

  @Override
  boolean nativeTransport() {
    return true;
  }

  @BeforeAll
  void epollIsHere() {
    assumeThat(Epoll.isAvailable()).as("epoll on this host").isTrue();
  }

  /**
   * Epoll's native connect never reaches {@code SocketChannel.connect}: without the module's advice
   * the socket hooks would not see it, and a mesh destination would be reached around the engine.
   */
  @Test
  void epollConnectsAskTheSocketHooks() {
    String url = "http://127.0.0.2:" + a.address().getPort() + "/plain";
    unpooled()
        .get()
        .uri(url)
        .responseContent()
        .aggregate()
        .asString()
        .block(Duration.ofSeconds(10));
    assertThat(bridge.connects()).contains(a.address());
  }

  /**
   * A direct attempt's connect is marked ({@code MeshEndpointAddress}): the hooks let it through
   * without asking the data path, which would send it to the engine.
   */
  @Test
  void directConnectsPassTheHooksAsTheirEndpoint() {
    bridge.route("reviews", 9080, r -> new ScriptedCall().endpoints(b.address()));
    unpooled()
        .get()
        .uri("http://reviews:9080/")
        .responseContent()
        .aggregate()
        .asString()
        .block(Duration.ofSeconds(10));
    assertThat(b.requests()).isEqualTo(1);
    assertThat(bridge.connects()).isEmpty();
  }

  /** A client that connects anew for each request, so that each test sees its own connects. */
  private HttpClient unpooled() {
    return HttpClient.newConnection().runOn(loops, true);
  }
}
