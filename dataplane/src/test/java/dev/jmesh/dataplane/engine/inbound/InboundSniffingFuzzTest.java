package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.testing.fuzz.MutationFuzz;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes a PERMISSIVE inbound port of the real engine over loopback: each input is the whole of
 * what a client sends before it half-closes (the first bytes that pick TLS, HTTP/2 or HTTP/1, and
 * an HTTP/1 request head and body). Whatever it sends, the engine answers within a bound with a
 * well-formed status line (or TLS or HTTP/2 bytes, or nothing) and closes, and afterwards still
 * serves a good request. A longer run: {@code mvn -o test -pl dataplane
 * -Dtest=InboundSniffingFuzzTest -Dfuzz.seconds=600}.
 */
class InboundSniffingFuzzTest {

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] [1-5][0-9][0-9] .*");

  private static final String[] DICTIONARY = {
    "GET ",
    "POST ",
    "HEAD ",
    "CONNECT ",
    "OPTIONS ",
    " HTTP/1.1\r\n",
    " HTTP/1.0\r\n",
    "\r\n",
    "\r\n\r\n",
    "\n",
    "Host: reviews\r\n",
    "Content-Length: ",
    "Transfer-Encoding: chunked\r\n",
    "Connection: close\r\n",
    "Expect: 100-continue\r\n",
    "Upgrade: h2c\r\n",
    "0\r\n\r\n",
    "ffffffffffffffff\r\n",
    "-1",
    "99999999999999999999",
    ": ",
    " ",
    "\t",
    "/admin",
    "%00",
    "?",
    "#",
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "\u0016\u0003\u0001"
  };

  @Test
  void whateverAClientSendsTheEngineAnswersClosesAndKeepsServing() throws Exception {
    EchoApp app = new EchoApp();
    try (InboundFixture fixture =
        new InboundFixture(
            InboundLimits.DEFAULTS
                .withRequestHeadersTimeout(Duration.ofMillis(500))
                .withProtocolDetectionTimeout(Duration.ofMillis(100))
                .withIdleTimeout(Duration.ofSeconds(2))
                .withMaxRequestBodyBytes(64 * 1024))) {
      InboundPort port =
          fixture.serve(
              app.address(),
              InboundFixture.http(
                  Mode.PERMISSIVE,
                  request ->
                      request.path().startsWith("/admin")
                          ? PolicyVerdict.deny(403, "RBAC: access denied", java.util.List.of())
                          : PolicyVerdict.CONTINUE));
      // Each connection costs a round trip and, for a few inputs, a timer: fewer inputs than the
      // pure sniffers get, for half a second by default.
      MutationFuzz fuzz =
          MutationFuzz.corpus("inbound-bytes")
              .dictionary(DICTIONARY)
              .maxLength(16 * 1024)
              .defaultSeconds(0.5);
      MutationFuzz.Result result =
          assertTimeoutPreemptively(
              Duration.ofSeconds(Long.getLong("fuzz.seconds", 1) + 60),
              () -> fuzz.run(input -> exchange(port, input)));
      assertThat(result.mutations()).isPositive();
      try (Socket s = InboundFixture.plainClient(port.declared())) {
        RawHttp.Response r = RawHttp.exchange(s, "GET /after HTTP/1.1\r\nHost: reviews\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
      }
    } finally {
      app.close();
    }
  }

  /** Sends {@code input}, half-closes, and reads what comes back until the engine closes. */
  private static void exchange(InboundPort port, byte[] input) throws Exception {
    byte[] reply;
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      s.setSoTimeout(5_000);
      try {
        s.getOutputStream().write(input);
        s.shutdownOutput();
      } catch (IOException e) {
        // The engine refused early and closed: what it wrote is still to be read.
      }
      reply = readToClose(s.getInputStream());
    }
    if (reply.length == 0 || reply[0] == 0x15 || reply[0] == 0x16 || !startsWithHttp(reply)) {
      // Nothing, a TLS alert or handshake, or HTTP/2 frames: not HTTP/1 text to check.
      return;
    }
    String head = new String(reply, StandardCharsets.ISO_8859_1);
    String statusLine = head.substring(0, Math.max(0, head.indexOf("\r\n")));
    assertThat(statusLine).matches(STATUS_LINE);
  }

  private static boolean startsWithHttp(byte[] reply) {
    return reply.length >= 5
        && new String(reply, 0, 5, StandardCharsets.ISO_8859_1).equals("HTTP/");
  }

  private static byte[] readToClose(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError(
          "the engine neither answered nor closed within 5 s; it sent " + out.size() + " bytes", e);
    } catch (IOException e) {
      // A reset after the reply: the engine closed with unread input, which is fine.
    }
    return out.toByteArray();
  }
}
