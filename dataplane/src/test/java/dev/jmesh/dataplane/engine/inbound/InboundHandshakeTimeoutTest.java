package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.HttpPolicy;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code tlsHandshakeTimeout}: a client that opens a mutual-TLS handshake on a STRICT port and
 * never finishes it, or connects and sends nothing, is closed once the timeout passes; a real mesh
 * client is unaffected.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InboundHandshakeTimeoutTest {
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static final String GET = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";

  private final InboundFixture fixture;
  private final EchoApp app;
  private final InboundPort port;

  InboundHandshakeTimeoutTest() throws Exception {
    fixture = new InboundFixture(InboundLimits.DEFAULTS.withTlsHandshakeTimeout(TIMEOUT));
    app = new EchoApp();
    port = fixture.serve(app.address(), InboundFixture.http(Mode.STRICT, HttpPolicy.ALLOW_ALL));
    // The first handshake builds the TLS context on the event loop, which can take seconds in a
    // cold JVM and would hold the timer back; timings below are of a warm engine.
    for (int attempt = 1; ; attempt++) {
      try (SSLSocket s = InboundFixture.tlsClient(port.declared())) {
        RawHttp.exchange(s, GET);
        break;
      } catch (java.io.IOException timedOutWhileCold) {
        if (attempt == 5) {
          throw timedOutWhileCold;
        }
      }
    }
  }

  @AfterAll
  void stop() throws Exception {
    fixture.close();
    app.close();
  }

  @Test
  void aClientHelloThatIsNeverFollowedUpIsClosedAfterTheTimeout() throws Exception {
    int requestsBefore = app.requests.get();
    byte[] hello = clientHello();
    long start = System.nanoTime();
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      OutputStream out = s.getOutputStream();
      out.write(hello);
      out.flush();
      assertThat(RawHttp.closed(s)).as("closed within the 5 s read timeout").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(TIMEOUT.minusMillis(50))
          .isLessThan(Duration.ofSeconds(4));
    }
    assertThat(app.requests.get()).as("nothing reached the application").isEqualTo(requestsBefore);
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheTimeout() throws Exception {
    long start = System.nanoTime();
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      assertThat(RawHttp.closed(s)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(TIMEOUT.minusMillis(50))
          .isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aMeshClientStillGetsThrough() throws Exception {
    try (SSLSocket s = InboundFixture.tlsClient(port.declared())) {
      Thread.sleep(TIMEOUT.multipliedBy(2).toMillis());
      RawHttp.Response r = RawHttp.exchange(s, GET);
      assertThat(r.status()).as("a finished handshake is not timed out").isEqualTo(200);
    }
  }

  private static byte[] clientHello() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, null, null);
    SSLEngine engine = tls.createSSLEngine("reviews", 443);
    engine.setUseClientMode(true);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.beginHandshake();
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] hello = new byte[out.remaining()];
    out.get(hello);
    return hello;
  }
}
