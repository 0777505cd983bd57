package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.dataplane.engine.CannedApp;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.record.WorkloadLabels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 through the inbound engine to a JDK HTTP server as the application. */
class InboundHttp1Test {

  private static final HttpPolicy DENY_ADMIN =
      request ->
          request.path().startsWith("/admin")
              ? PolicyVerdict.deny(403, "RBAC: access denied", List.of())
              : PolicyVerdict.CONTINUE;

  private EchoApp app;
  private InboundFixture fixture;
  private InboundPort port;

  @BeforeEach
  void start() throws Exception {
    app = new EchoApp();
    fixture =
        new InboundFixture(
            InboundLimits.DEFAULTS
                .withRequestHeadersTimeout(Duration.ofMillis(300))
                .withMaxRequestBodyBytes(64L << 20));
    port = fixture.serve(app.address(), InboundFixture.http(Mode.DISABLE, DENY_ADMIN));
  }

  @AfterEach
  void stop() {
    fixture.close();
    app.close();
  }

  private static String get(String path, String... headers) {
    return "GET " + path + " HTTP/1.1\r\nHost: reviews\r\n" + String.join("", headers) + "\r\n";
  }

  @Test
  void plaintextKeepAlivePassesThroughWithForwardedForAndWithoutTheClientsCertHeader()
      throws Exception {
    String caller =
        PeerMetadata.encode(
            WorkloadLabels.builder().workload("productpage-v1").namespace("default").build());
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response first =
          RawHttp.exchange(
              s,
              get(
                  "/",
                  "X-Forwarded-Client-Cert: By=spiffe://evil;URI=spiffe://evil\r\n",
                  "X-Forwarded-For: 10.1.1.1\r\n",
                  "x-envoy-peer-metadata: " + caller + "\r\n"));
      RawHttp.Response second = RawHttp.exchange(s, get("/"));

      assertThat(first.status()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("ok");
      assertThat(first.header("seen-xfcc")).isEqualTo("null");
      assertThat(first.header("seen-xff")).isEqualTo("10.1.1.1, 127.0.0.1");
      assertThat(first.header("seen-proto")).isEqualTo("http");
      assertThat(first.header("seen-peer-metadata")).isEqualTo("null");
      assertThat(first.header(PeerMetadata.HEADER))
          .isEqualTo(PeerMetadata.encode(InboundFixture.SELF));
      assertThat(second.status()).isEqualTo(200);
      // No peer metadata from the client, none back: only mesh peers learn who answered.
      assertThat(second.header(PeerMetadata.HEADER)).isNull();
      assertThat(second.header("seen-xff")).isEqualTo("127.0.0.1");
      // Each request without an id is given its own, a version-4 UUID.
      assertThat(first.header("seen-request-id"))
          .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
          .isNotEqualTo(second.header("seen-request-id"));
      // Both requests rode one pooled keep-alive connection to the application.
      assertThat(second.header("seen-remote-port")).isEqualTo(first.header("seen-remote-port"));
    }
    fixture.awaitOne(
        "istio_requests_total",
        "reporter",
        "destination",
        "response_code",
        "200",
        "source_workload",
        "productpage-v1");
    assertThat(
            fixture
                .scrape()
                .value(
                    "istio_requests_total",
                    "reporter",
                    "destination",
                    "response_code",
                    "200",
                    "source_workload",
                    "unknown",
                    "destination_workload",
                    "reviews-v1",
                    "connection_security_policy",
                    "none"))
        .isEqualTo(1.0);
  }

  @Test
  void aClientsRequestIdIsKept() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, get("/", "X-Request-Id: abc-123\r\n"));
      assertThat(r.header("seen-request-id")).isEqualTo("abc-123");
    }
  }

  @Test
  void aVerifiedTokenThePolicyTakesNeverReachesTheApplication() throws Exception {
    InboundPort verified =
        fixture.serve(app.address(), InboundFixture.http(Mode.DISABLE, InboundFixture.TAKES_TOKEN));
    try (Socket s = InboundFixture.plainClient(verified.declared())) {
      RawHttp.Response r =
          RawHttp.exchange(s, get("/", "Authorization: Bearer " + InboundFixture.TOKEN + "\r\n"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("seen-authorization")).isEqualTo("null");
      assertThat(r.header("seen-jwt-payload")).isEqualTo(InboundFixture.TOKEN_PAYLOAD);
    }
  }

  @Test
  void aDeniedRequestGetsTheVerdictAndNeverReachesTheApplication() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response denied = RawHttp.exchange(s, get("/admin/users"));
      assertThat(denied.status()).isEqualTo(403);
      assertThat(denied.body()).isEqualTo("RBAC: access denied");
      assertThat(app.requests.get()).isZero();
      // The connection stays usable, as Envoy's does after a local reply.
      assertThat(RawHttp.exchange(s, get("/")).status()).isEqualTo(200);
      assertThat(app.requests.get()).isEqualTo(1);
    }
    fixture.awaitOne("istio_requests_total", "response_code", "403");
  }

  @Test
  void aRequestAfterADeniedOneWithABodyOnTheSameConnectionIsForwardedWithItsOwnBody()
      throws Exception {
    // The connection's exchange is reused: a flag of the denied request left set (answered
    // locally, response done, request done) would drop or misroute the next request's body.
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response denied =
          RawHttp.exchange(
              s, "POST /admin HTTP/1.1\r\nHost: reviews\r\nContent-Length: 5\r\n\r\nhello");
      RawHttp.Response uploaded =
          RawHttp.exchange(
              s, "POST /upload HTTP/1.1\r\nHost: reviews\r\nContent-Length: 4\r\n\r\nabcd");
      RawHttp.Response third = RawHttp.exchange(s, get("/"));

      assertThat(denied.status()).isEqualTo(403);
      assertThat(uploaded.status()).isEqualTo(200);
      assertThat(uploaded.body()).isEqualTo("4");
      assertThat(uploaded.header("connection")).isNull();
      assertThat(third.status()).isEqualTo(200);
      assertThat(third.body()).isEqualTo("ok");
    }
    assertThat(app.requests.get()).isEqualTo(2);
  }

  @Test
  void contentLengthWithTransferEncodingIsRefusedAndClosed() throws Exception {
    assertRefusedAndClosed(
        "POST / HTTP/1.1\r\nHost: reviews\r\nContent-Length: 5\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n");
  }

  @Test
  void aMalformedChunkIsRefusedAndNeverEndsTheBodyTheApplicationReads() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      // A first request leaves a pooled connection, so the upload's first chunk reaches the
      // application before the malformed one arrives.
      assertThat(RawHttp.exchange(s, get("/")).status()).isEqualTo(200);
      RawHttp.Response r =
          RawHttp.exchange(
              s,
              "POST /upload HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + "5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n");
      // Taken for the body's end, the first chunk alone would be answered 200 "5".
      assertThat(r.status()).isEqualTo(400);
      assertThat(RawHttp.closed(s)).isTrue();
    }
  }

  @Test
  void conflictingContentLengthsAreRefused() throws Exception {
    assertRefusedAndClosed(
        "POST / HTTP/1.1\r\nHost: reviews\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
            + "hello!");
  }

  @Test
  void obsoleteLineFoldingIsRefused() throws Exception {
    assertRefusedAndClosed(get("/", "X-Folded: a\r\n", " b\r\n"));
  }

  @Test
  void twoHostLinesAreRefusedAndClosed() throws Exception {
    // RFC 9112 §3.2: the engine would route and record by the first, the application might
    // read the other.
    assertRefusedAndClosed(get("/", "Host: admin.internal\r\n"));
  }

  @Test
  void aRequestLineWithAByteOutsideAsciiIsRefused() throws Exception {
    // Read as ISO-8859-1 and written on as UTF-8, /caf\u00e9 would reach the application as
    // /caf\u00c3\u00a9: another path than the one policy checked.
    assertRefusedAndClosed(get("/caf\u00e9"));
    // Also pipelined behind a request with a body in one write, a head the raw-byte guard skips.
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.send(
          s,
          "POST /upload HTTP/1.1\r\nHost: reviews\r\nContent-Length: 2\r\n\r\nhi"
              + get("/caf\u00e9"));
      assertThat(RawHttp.read(s.getInputStream()).body()).isEqualTo("2");
      assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(400);
    }
    assertThat(app.requests.get()).isEqualTo(1);
  }

  @Test
  void tooManyHeadersAre431() throws Exception {
    StringBuilder headers = new StringBuilder();
    for (int i = 0; i < 101; i++) {
      headers.append("X-H").append(i).append(": v\r\n");
    }
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      assertThat(RawHttp.exchange(s, get("/", headers.toString())).status()).isEqualTo(431);
    }
    assertThat(app.requests.get()).isZero();
  }

  @Test
  void headersLargerThanTheLimitAre431() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      String big = "X-Big: " + "a".repeat(61 * 1024) + "\r\n";
      assertThat(RawHttp.exchange(s, get("/", big)).status()).isEqualTo(431);
    }
  }

  @Test
  void aSlowlorisClientIsTimedOutAndClosed() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.send(s, "GET / HTTP/1.1\r\nHost: reviews\r\n");
      long started = System.nanoTime();
      RawHttp.Response r = RawHttp.read(s.getInputStream());
      assertThat(r.status()).isEqualTo(408);
      assertThat(RawHttp.closed(s)).isTrue();
      assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(3));
    }
    assertThat(app.requests.get()).isZero();
  }

  @Test
  void aDeclaredBodyOverTheLimitIs413() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response r =
          RawHttp.exchange(
              s,
              "POST /upload HTTP/1.1\r\nHost: reviews\r\nContent-Length: "
                  + (65L << 20)
                  + "\r\n\r\n");
      assertThat(r.status()).isEqualTo(413);
    }
    assertThat(app.requests.get()).isZero();
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.send(s, get("/first") + get("/admin") + get("/third"));
      assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
      assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(403);
      assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
    }
    assertThat(app.requests.get()).isEqualTo(2);
  }

  @Test
  void aStreamedBodyOverTheLimitIs413() throws Exception {
    try (InboundFixture small =
            new InboundFixture(InboundLimits.DEFAULTS.withMaxRequestBodyBytes(1024));
        Socket s =
            InboundFixture.plainClient(
                small
                    .serve(app.address(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL))
                    .declared())) {
      String chunk = "a".repeat(600);
      RawHttp.Response r =
          RawHttp.exchange(
              s,
              "POST /upload HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + "258\r\n"
                  + chunk
                  + "\r\n258\r\n"
                  + chunk
                  + "\r\n0\r\n\r\n");
      assertThat(r.status()).isEqualTo(413);
      assertThat(RawHttp.closed(s)).isTrue();
    }
  }

  @Test
  void aResponseThatDoesNotDecodeIs503WithTheUpstreamProtocolErrorFlag() throws Exception {
    try (CannedApp broken = new CannedApp("HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok")) {
      InboundPort p =
          fixture.serve(broken.address(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
      try (Socket s = InboundFixture.plainClient(p.declared())) {
        RawHttp.Response r = RawHttp.exchange(s, get("/"));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).endsWith("reset reason: protocol error");
      }
    }
    fixture.awaitOne("istio_requests_total", "response_code", "503", "response_flags", "UPE");
  }

  @Test
  void aResponseChunkThatDoesNotDecodeCutsTheClientOffShortOfTheBodysEnd() throws Exception {
    try (CannedApp broken =
        new CannedApp(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")) {
      InboundPort p =
          fixture.serve(broken.address(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
      try (Socket s = InboundFixture.plainClient(p.declared())) {
        RawHttp.send(s, get("/"));
        // Read until the engine closes the connection (a terminated body would leave it open,
        // and the read would time out); whatever of the response got out, never the body's end.
        String got = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(got).doesNotContain("\r\n0\r\n");
      }
    }
  }

  @Test
  void anApplicationThatIsNotListeningIs503WithTheUpstreamFailureFlag() throws Exception {
    InetSocketAddress nobody;
    try (java.net.ServerSocket probe =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      nobody = (InetSocketAddress) probe.getLocalSocketAddress();
    }
    InboundPort gone =
        fixture.serve(nobody, InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
    try (Socket s = InboundFixture.plainClient(gone.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, get("/"));
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body()).startsWith("upstream connect error");
    }
    fixture.awaitOne("istio_requests_total", "response_code", "503", "response_flags", "UF");
  }

  @Test
  void aGetOnAPooledConnectionTheApplicationDroppedIsSentAgainOnANewOne() throws Exception {
    // An application whose keep-alive ends just as the second request arrives: it closes the
    // connection without answering.
    java.net.ServerSocket stale =
        new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
    java.util.concurrent.atomic.AtomicInteger accepted =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread server =
        new Thread(
            () -> {
              while (!stale.isClosed()) {
                try (Socket c = stale.accept()) {
                  accepted.incrementAndGet();
                  java.io.InputStream in = c.getInputStream();
                  readHead(in);
                  c.getOutputStream()
                      .write(
                          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                  readHead(in);
                } catch (IOException e) {
                  // closed by the test
                }
              }
            });
    server.setDaemon(true);
    server.start();
    try (stale) {
      InboundPort flaky =
          fixture.serve(
              (InetSocketAddress) stale.getLocalSocketAddress(),
              InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
      try (Socket s = InboundFixture.plainClient(flaky.declared())) {
        assertThat(RawHttp.exchange(s, get("/")).body()).isEqualTo("ok");
        assertThat(RawHttp.exchange(s, get("/")).body()).isEqualTo("ok");
      }
      assertThat(accepted.get()).isEqualTo(2);
    }
  }

  /** {@code request} is answered 400, its connection closed, and the application never sees it. */
  private void assertRefusedAndClosed(String request) throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, request);
      assertThat(r.status()).isEqualTo(400);
      assertThat(RawHttp.closed(s)).isTrue();
    }
    assertThat(app.requests.get()).isZero();
  }

  private static void readHead(java.io.InputStream in) throws IOException {
    int matched = 0;
    for (int c = in.read(); c != -1; c = in.read()) {
      matched = (c == '\r' || c == '\n') ? matched + 1 : 0;
      if (matched == 4) {
        return;
      }
    }
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    try (InboundFixture idle =
            new InboundFixture(InboundLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(300)));
        Socket s =
            InboundFixture.plainClient(
                idle.serve(app.address(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL))
                    .declared())) {
      assertThat(RawHttp.exchange(s, get("/")).status()).isEqualTo(200);
      long started = System.nanoTime();
      assertThat(RawHttp.closed(s)).isTrue();
      assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(3));
    }
  }

  @Test
  void onlyTheEnginesOwnConnectionsAreEngineConnections() throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      assertThat(RawHttp.exchange(s, get("/")).status()).isEqualTo(200);
      assertThat(fixture.engine.isEngineConnection(app.remotes.get(0))).isTrue();
    }
    try (Socket direct = InboundFixture.plainClient(app.address())) {
      RawHttp.Response r = RawHttp.exchange(direct, get("/"));
      assertThat(r.status()).isEqualTo(200);
      InetSocketAddress bypass = (InetSocketAddress) direct.getLocalSocketAddress();
      assertThat(app.remotes).contains(bypass);
      assertThat(fixture.engine.isEngineConnection(bypass)).isFalse();
    }
  }

  @Test
  void drainLetsAnInFlightRequestFinishAndRefusesNewConnections() throws Exception {
    Socket s = InboundFixture.plainClient(port.declared());
    RawHttp.send(s, get("/slow"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> app.requests.get() == 1);

    CompletableFuture<Void> drained = fixture.engine.drain(Duration.ofSeconds(5));

    RawHttp.Response r = RawHttp.read(s.getInputStream());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("slow done");
    assertThat(r.header("connection")).isEqualToIgnoringCase("close");
    assertThat(RawHttp.closed(s)).isTrue();
    drained.get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> InboundFixture.plainClient(port.declared()).close())
        .isInstanceOf(IOException.class);
    s.close();
  }
}
