package dev.jmesh.instrumentation.netty.server.v4_1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.instrumentation.testing.InProcessAdvice;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedInbound;
import dev.jmesh.instrumentation.testing.ScriptedInbound.Mode;
import dev.jmesh.instrumentation.testing.TestTls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An application's own Netty server with the module's advice woven in, and the mesh's answers
 * scripted per port: transports, mTLS, request policy, header changes and records, all over real
 * loopback connections.
 */
class DirectInboundTest {

  private static TestTls tls;
  private ScriptedBridge bridge;
  private AppServer app;

  @BeforeAll
  static void weave() throws Exception {
    InProcessAdvice.install(new NettyServerModule());
    tls = new TestTls();
    warmUp(tls.client);
  }

  /**
   * Makes one ClientHello before the tests, so a client's first handshake does not spend longer
   * than the port's detection timeout (500 ms here) between connecting and sending it.
   */
  private static void warmUp(SSLContext client) throws Exception {
    SSLEngine engine = client.createSSLEngine("127.0.0.1", 1);
    engine.setUseClientMode(true);
    engine.wrap(
        ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
  }

  @BeforeEach
  void start() throws Exception {
    bridge = ScriptedBridge.install();
    app = new AppServer();
  }

  @AfterEach
  void stop() throws Exception {
    app.close();
    bridge.close();
  }

  private ScriptedInbound inbound(Mode mode) {
    ScriptedInbound in = new ScriptedInbound(mode, tls.server);
    bridge.inbound(app.port(), in);
    return in;
  }

  @Test
  void strictRefusesPlaintextAndServesMutualTls() throws Exception {
    ScriptedInbound in = inbound(Mode.STRICT);
    try (RawClient plain = RawClient.plaintext(app.port())) {
      // STRICT does not sniff: the plaintext request fails the mesh's TLS handshake.
      plain.send("GET /hello", "", "Connection: close");
      assertThat(plain.closedByServer()).isTrue();
    }
    String answer = RawClient.get(RawClient.tls(app.port(), tls.client), "/hello");
    assertThat(answer).startsWith("HTTP/1.1 200").contains("path=/hello");
    assertThat(in.transports()).containsExactly(MeshInbound.TLS, MeshInbound.TLS);
    assertThat(in.peers()).containsExactly("CN=productpage");
    assertThat(app.seen).containsExactly("/hello");
  }

  @Test
  void permissiveServesPlaintextAndMutualTlsBySniffing() throws Exception {
    ScriptedInbound in = inbound(Mode.PERMISSIVE);
    assertThat(RawClient.get(RawClient.plaintext(app.port()), "/plain")).contains("path=/plain");
    assertThat(RawClient.get(RawClient.tls(app.port(), tls.client), "/tls")).contains("path=/tls");
    assertThat(in.transports()).containsExactly(MeshInbound.PLAINTEXT, MeshInbound.TLS);
  }

  @Test
  void disableServesPlaintextOnly() throws Exception {
    ScriptedInbound in = inbound(Mode.DISABLE);
    assertThat(RawClient.get(RawClient.plaintext(app.port()), "/plain")).contains("path=/plain");
    assertThatThrownBy(() -> RawClient.get(RawClient.tls(app.port(), tls.client), "/tls"))
        .isInstanceOf(IOException.class);
    assertThat(in.peers()).isEmpty();
    assertThat(app.seen).doesNotContain("/tls");
  }

  @Test
  void aDeniedRequestIsAnswered403AndNeverReachesTheApplication() throws Exception {
    ScriptedInbound in = inbound(Mode.PERMISSIVE).allow(r -> !r.path().startsWith("/private"));
    try (RawClient c = RawClient.tls(app.port(), tls.client)) {
      c.send("POST /private/x", "secret-body");
      String denied = c.readResponse();
      assertThat(denied)
          .startsWith("HTTP/1.1 403")
          .contains("RBAC: access denied")
          .containsIgnoringCase("x-jmesh-served: direct");
      // The denied request's body was dropped: the next request on the connection is served.
      c.send("GET /public", "");
      assertThat(c.readResponse()).startsWith("HTTP/1.1 200").contains("path=/public");
    }
    assertThat(app.seen).containsExactly("/public");
    assertThat(in.requests()).hasSize(2);
    assertThat(in.requests().get(0).finishes()).hasSize(1);
    assertThat(in.requests().get(0).finishes().get(0)[0]).isEqualTo(403);
  }

  @Test
  void eachRequestIsFinishedOnceWithItsStatusAndBodyBytes() throws Exception {
    ScriptedInbound in = inbound(Mode.PERMISSIVE);
    String answer;
    try (RawClient c = RawClient.plaintext(app.port())) {
      c.send("POST /echo", "12345");
      answer = c.readResponse();
      c.send("GET /second", "");
      c.readResponse();
    }
    String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    List<ScriptedInbound.Request> requests = in.requests();
    assertThat(requests).hasSize(2);
    ScriptedInbound.Request first = requests.get(0);
    assertThat(first.method).isEqualTo("POST");
    assertThat(first.path).isEqualTo("/echo");
    assertThat(first.finishes()).hasSize(1);
    assertThat(first.finishes().get(0)).containsExactly(200, -1);
    assertThat(first.bytesReceived()).isEqualTo(5);
    assertThat(first.bytesSent()).isEqualTo(body.length());
    assertThat(requests.get(1).finishes()).hasSize(1);
  }

  @Test
  void theMeshChangesRequestAndResponseHeaders() throws Exception {
    inbound(Mode.PERMISSIVE);
    String answer =
        RawClient.get(
            RawClient.plaintext(app.port()),
            "/hello",
            "X-Forwarded-Client-Cert: URI=spiffe://evil/sa/x");
    assertThat(answer)
        .contains("inbound=direct")
        .contains("xfcc=-")
        .doesNotContain("spiffe://evil")
        .containsIgnoringCase("x-jmesh-served: direct");
  }

  @Test
  void aSilentClientOnAPermissivePortIsTakenAsPlaintextAfterTheDetectionTimeout() throws Exception {
    inbound(Mode.PERMISSIVE);
    try (RawClient c = RawClient.plaintext(app.port())) {
      long connected = System.nanoTime();
      long deadline = connected + 3_000_000_000L;
      while (app.opened.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long waitedMillis = (System.nanoTime() - connected) / 1_000_000;
      // The application got the connection before the client sent a byte, once the detection
      // timeout (500 ms here) had passed: a server-speaks-first protocol would work.
      assertThat(app.opened.get()).isEqualTo(1);
      assertThat(waitedMillis).isGreaterThanOrEqualTo(400);
      c.send("GET /late", "");
      assertThat(c.readResponse()).startsWith("HTTP/1.1 200").contains("path=/late");
    }
  }

  @Test
  void aFailureInTheMeshClosesThatConnectionOnly() throws Exception {
    inbound(Mode.PERMISSIVE)
        .allow(
            r -> {
              if (r.path().equals("/boom")) {
                throw new IllegalStateException("scripted failure");
              }
              return true;
            });
    try (RawClient other = RawClient.plaintext(app.port())) {
      other.send("GET /before", "");
      assertThat(other.readResponse()).contains("path=/before");
      try (RawClient failing = RawClient.plaintext(app.port())) {
        failing.send("GET /boom", "");
        assertThat(failing.closedByServer()).isTrue();
      }
      other.send("GET /after", "");
      assertThat(other.readResponse()).contains("path=/after");
    }
    assertThat(RawClient.get(RawClient.plaintext(app.port()), "/new")).contains("path=/new");
    assertThat(app.seen).containsExactly("/before", "/after", "/new");
  }

  @Test
  void aPortTheMeshDoesNotServeIsLeftAlone() throws Exception {
    // No inbound answers for the port: MeshHooks.inbound is null and the handler steps aside.
    assertThat(RawClient.get(RawClient.plaintext(app.port()), "/plain"))
        .contains("path=/plain")
        .contains("inbound=-")
        .doesNotContainIgnoringCase("x-jmesh-served");
  }
}
