package dev.jmesh.instrumentation.netty.server.v4_1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.instrumentation.testing.InProcessAdvice;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedInbound;
import dev.jmesh.instrumentation.testing.ScriptedInbound.Mode;
import dev.jmesh.instrumentation.testing.TestTls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Netty server speaking HTTP/1.1 and h2c on one port, on the direct path: every HTTP/2 stream is
 * checked, changed and recorded like an HTTP/1 request; an h2c upgrade is served as HTTP/1.1 so no
 * stream escapes the check. The client is curl (prior knowledge and upgrade).
 */
class Http2DirectInboundTest {

  private ScriptedBridge bridge;
  private AppServer app;
  private ScriptedInbound inbound;

  @BeforeAll
  static void weave() {
    InProcessAdvice.install(new NettyServerModule());
    InProcessAdvice.install(new NettyServerHttp2Module());
  }

  @Test
  void aServerThatSpeaksFirstIsHeardOnlyThroughTheMeshTls() throws Exception {
    // An HTTP/2 connection handler sends its SETTINGS as soon as it joins the (active) channel:
    // held until the transport is settled, then sent inside TLS, never in the clear.
    TestTls tls = new TestTls();
    try (ConnectionHandlerServer server = new ConnectionHandlerServer()) {
      bridge.inbound(server.port(), new ScriptedInbound(Mode.STRICT, tls.server));
      try (RawClient c = RawClient.tls(server.port(), tls.client)) {
        byte[] frameHeader = c.readBytes(9);
        assertThat(frameHeader[3]).as("a SETTINGS frame").isEqualTo((byte) 0x4);
      }
    }
  }

  @Test
  void aServerOnAConnectionHandlerHasEachStreamCheckedAndRecorded() throws Exception {
    try (ConnectionHandlerServer server = new ConnectionHandlerServer()) {
      ScriptedInbound in =
          new ScriptedInbound(Mode.PERMISSIVE, null).allow(r -> !r.path().startsWith("/private"));
      bridge.inbound(server.port(), in);
      String allowed =
          curl(
              "--http2-prior-knowledge", "-d", "12345", "http://127.0.0.1:" + server.port() + "/a");
      assertThat(allowed)
          .startsWith("HTTP/2 200")
          .contains("path=/a inbound=direct body=12345")
          .containsIgnoringCase("x-jmesh-served: direct");
      // A denied request with a body: answered whole, the body dropped, no reset.
      String denied =
          curl(
              "--http2-prior-knowledge",
              "-d",
              "dropped",
              "http://127.0.0.1:" + server.port() + "/private/x");
      assertThat(denied).startsWith("HTTP/2 403").contains("RBAC: access denied");
      assertThat(server.seen).containsExactly("/a");
      assertThat(in.requests()).hasSize(2);
      ScriptedInbound.Request first = in.requests().get(0);
      assertThat(first.finishes()).hasSize(1);
      // The response ended with its trailers, whose grpc-status is recorded.
      assertThat(first.finishes().get(0)).containsExactly(200, 0);
      assertThat(first.bytesReceived()).isEqualTo(5);
      assertThat(first.bytesSent()).isEqualTo("path=/a inbound=direct body=12345".length());
      assertThat(in.requests().get(1).finishes().get(0)[0]).isEqualTo(403);
    }
  }

  @BeforeEach
  void start() throws Exception {
    bridge = ScriptedBridge.install();
    app = new AppServer(true);
    inbound =
        new ScriptedInbound(Mode.PERMISSIVE, null).allow(r -> !r.path().startsWith("/private"));
    bridge.inbound(app.port(), inbound);
  }

  @AfterEach
  void stop() throws Exception {
    app.close();
    bridge.close();
  }

  private String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "-i", "-m", "10"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void eachStreamIsCheckedChangedAndRecorded() throws Exception {
    String answer =
        curl(
            "--http2-prior-knowledge",
            "-H",
            "x-forwarded-client-cert: URI=spiffe://evil/sa/x",
            "-d",
            "12345",
            "http://127.0.0.1:" + app.port() + "/hello");
    assertThat(answer)
        .startsWith("HTTP/2 200")
        .contains("protocol=HTTP/2 path=/hello inbound=direct xfcc=- body=12345")
        .containsIgnoringCase("x-jmesh-served: direct");
    assertThat(inbound.requests()).hasSize(1);
    ScriptedInbound.Request r = inbound.requests().get(0);
    assertThat(r.method).isEqualTo("POST");
    assertThat(r.finishes()).hasSize(1);
    assertThat(r.finishes().get(0)).containsExactly(200, -1);
    assertThat(r.bytesReceived()).isEqualTo(5);
    assertThat(r.bytesSent()).isEqualTo(answer.substring(answer.indexOf("\r\n\r\n") + 4).length());
  }

  @Test
  void aDeniedStreamIsAnswered403AndNeverReachesTheApplication() throws Exception {
    String answer =
        curl("--http2-prior-knowledge", "http://127.0.0.1:" + app.port() + "/private/x");
    assertThat(answer)
        .startsWith("HTTP/2 403")
        .contains("RBAC: access denied")
        .containsIgnoringCase("x-jmesh-served: direct");
    assertThat(app.seen).isEmpty();
    assertThat(inbound.requests().get(0).finishes().get(0)[0]).isEqualTo(403);
    // The connection stays usable for allowed streams.
    assertThat(curl("--http2-prior-knowledge", "http://127.0.0.1:" + app.port() + "/ok"))
        .startsWith("HTTP/2 200");
  }

  @Test
  void anH2cUpgradeIsServedAsHttp1SoNoStreamEscapesTheCheck() throws Exception {
    String answer = curl("--http2", "http://127.0.0.1:" + app.port() + "/hello");
    assertThat(answer).startsWith("HTTP/1.1 200").contains("protocol=HTTP/1.1 path=/hello");
    assertThat(inbound.requests()).hasSize(1);
  }
}
