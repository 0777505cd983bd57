package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.CannedApp;
import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 from the client to an application whose port is an {@code http} port (HTTP/1.1, the
 * default for a port the workload does not name): each stream reaches the application as an
 * HTTP/1.1 exchange on a pooled connection, and the answer goes back as HTTP/2 — what Istio's
 * inbound cluster of an {@code http} port does.
 */
class InboundHttp2ToHttp1Test {

  private final InboundFixture fixture;
  private final H2Peers h2 = new H2Peers();
  private final EchoApp app;

  InboundHttp2ToHttp1Test() throws Exception {
    // No servicePorts: every port is announced as http-PORT, an HTTP/1.1 application.
    MeshSettings settings =
        SettingsParser.parse(
            new SettingSource(
                Map.of(),
                Map.of(),
                Map.of("MESH_SERVICE", "reviews", "MESH_NAMESPACE", "default")));
    fixture = new InboundFixture(InboundLimits.DEFAULTS, settings);
    app = new EchoApp();
  }

  @AfterEach
  void stop() {
    fixture.close();
    h2.close();
    app.close();
  }

  private Channel connect(java.net.InetSocketAddress app) throws Exception {
    InboundPort port = fixture.serve(app, InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
    return h2.connect(port.declared(), null);
  }

  private static Http2Headers get(String path) {
    // Unvalidated, so that a test can send what a hostile client would.
    return new DefaultHttp2Headers(false)
        .method("GET")
        .scheme("http")
        .authority("reviews:9080")
        .path(path);
  }

  @Test
  void streamsReachAnHttp1ApplicationOverOnePooledConnection() throws Exception {
    Channel connection = connect(app.address());
    H2Peers.Response first = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);
    H2Peers.Response second = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);

    assertThat(first.headers().status().toString()).isEqualTo("200");
    assertThat(first.body()).isEqualTo("ok");
    assertThat(first.headers().get("seen-protocol").toString()).isEqualTo("HTTP/1.1");
    // :authority is the Host the application sees.
    assertThat(first.headers().get("seen-host").toString()).isEqualTo("reviews:9080");
    assertThat(first.headers().get("seen-xff").toString()).isEqualTo("127.0.0.1");
    // The second stream reused the first one's connection to the application.
    assertThat(second.headers().get("seen-remote-port"))
        .isEqualTo(first.headers().get("seen-remote-port"));
    // HTTP/1.1's connection-specific fields do not cross into HTTP/2.
    assertThat(first.headers().contains("connection")).isFalse();
    assertThat(first.headers().contains("transfer-encoding")).isFalse();
    connection.close();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(
            () ->
                fixture
                        .scrape()
                        .find("istio_requests_total", "response_code", "200")
                        .orElse(0.0)
                    == 2.0);
  }

  @Test
  void aBodyOfUnknownLengthGoesChunkedAndSplitCookiesAreJoined() throws Exception {
    Channel connection = connect(app.address());
    Http2Headers headers =
        new DefaultHttp2Headers()
            .method("POST")
            .scheme("http")
            .authority("reviews:9080")
            .path("/upload")
            .add("cookie", "a=1")
            .add("cookie", "b=2");
    H2Peers.Response r =
        H2Peers.request(connection, headers, "twelve bytes").get(5, TimeUnit.SECONDS);

    assertThat(r.headers().status().toString()).isEqualTo("200");
    assertThat(r.body()).isEqualTo("12");
    assertThat(r.headers().get("seen-transfer-encoding").toString()).isEqualTo("chunked");
    assertThat(r.headers().get("seen-cookie").toString()).isEqualTo("[a=1; b=2]");
    connection.close();
  }

  @Test
  void theApplicationsTrailersReachTheClientAsHttp2Trailers() throws Exception {
    try (CannedApp grpcLike =
        new CannedApp(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                + "5\r\nhello\r\n0\r\ngrpc-status: 0\r\n\r\n")) {
      Channel connection = connect(grpcLike.address());
      H2Peers.Response r = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);

      assertThat(r.headers().status().toString()).isEqualTo("200");
      assertThat(r.body()).isEqualTo("hello");
      assertThat(r.trailers().get("grpc-status").toString()).isEqualTo("0");
      assertThat(r.headers().contains("connection")).isFalse();
      connection.close();
    }
  }

  @Test
  void theAnswersFieldsCrossLowercasedWithoutTheConnectionsOwn() throws Exception {
    try (CannedApp named =
        new CannedApp(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Hop: only this connection\r\n"
                + "Connection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\nX-Kept: Mixed Case\r\n"
                + "Content-Length: 2\r\n\r\nok")) {
      Channel connection = connect(named.address());
      H2Peers.Response r = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);

      assertThat(r.headers().status().toString()).isEqualTo("200");
      assertThat(r.body()).isEqualTo("ok");
      java.util.List<String> names = new java.util.ArrayList<>();
      r.headers().names().forEach(n -> names.add(n.toString()));
      // Lowercased, values as they were; the fields of the hop and the one Connection names gone.
      assertThat(names)
          .containsExactlyInAnyOrder(":status", "content-type", "x-kept", "content-length");
      assertThat(r.headers().get("x-kept").toString()).isEqualTo("Mixed Case");
      assertThat(r.headers().get("content-type").toString()).isEqualTo("text/plain");
      connection.close();
    }
  }

  @Test
  void fieldsPolicyAddsToTheAnswerAreCheckedAsTheClientsAre() throws Exception {
    // The answer's own fields cross unchecked (the HTTP/1.1 decoder checked them); what a policy
    // adds to them (x-ratelimit-*, from configuration) is checked on the way in.
    HttpPolicy adds =
        request ->
            new dev.jmesh.dataplane.policy.PolicyVerdict(
                true,
                0,
                null,
                java.util.List.of(),
                java.util.List.of(
                    Map.entry(
                        "X-RateLimit-Limit",
                        request.path().equals("/broken") ? "10\r\nx-smuggled: yes" : "10")),
                null);
    // The application writes its head and body at once, so they arrive in one read: the body must
    // not follow headers that were refused.
    try (RawApp oneWrite = new RawApp((connection, request, head, in) -> "answer")) {
      InboundPort port = fixture.serve(oneWrite.address(), InboundFixture.http(Mode.DISABLE, adds));
      Channel connection = h2.connect(port.declared(), null);

      H2Peers.Response r = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);
      assertThat(r.headers().status().toString()).isEqualTo("200");
      assertThat(r.headers().get("x-ratelimit-limit").toString()).isEqualTo("10");

      // Refused before any of it is written: the stream is reset, the client gets no such field.
      java.util.concurrent.CompletableFuture<H2Peers.Response> broken =
          H2Peers.request(connection, get("/broken"), null);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> broken.get(5, TimeUnit.SECONDS))
          .hasMessageContaining("stream closed");
      // The engine cut it (UR), rather than the client's decoder refusing what the engine sent.
      fixture.awaitOne("istio_requests_total", "response_code", "200", "response_flags", "UR");
      connection.close();
    }
  }

  @Test
  void aFieldNameHttp1CannotCarryNeverReachesTheApplication() throws Exception {
    Channel connection = connect(app.address());
    // Sent on as it is, the space would make "x bad: v" a line the application splits its own way.
    java.util.concurrent.CompletableFuture<H2Peers.Response> bad =
        H2Peers.request(connection, get("/").add("x bad", "v"), null);

    // HTTP/2's decoder refuses it before the engine sees the stream.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS))
        .isInstanceOf(java.util.concurrent.ExecutionException.class);
    assertThat(app.requests.get()).isZero();
    connection.close();
  }

  @Test
  void aResponseBeforeTheWholeBodyLeavesTheClientFreeToSendTheRest() throws Exception {
    // /slow answers after a second without reading the body, which by then has filled the socket
    // to the application and paused reading from the client; anything else reads its body and
    // answers its length.
    try (RawApp slow =
        new RawApp(
            (connection, request, head, in) -> {
              if (head.startsWith("POST /slow")) {
                Thread.sleep(1000);
                return "slow done";
              }
              java.util.regex.Matcher length =
                  java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
              return Integer.toString(
                  in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0).length);
            })) {
      Channel connection = connect(slow.address());
      // The engine must read on (and drop) the rest once the answer is out, or the client waits
      // for window forever, on this stream and, the connection's window spent, on the next.
      String big = "x".repeat(16 << 20);
      assertThat(H2Peers.request(connection, post("/slow"), big).get(10, TimeUnit.SECONDS).body())
          .isEqualTo("slow done");
      String body = "y".repeat(100_000);
      Http2Headers upload = post("/upload").set("content-length", Integer.toString(body.length()));
      assertThat(H2Peers.request(connection, upload, body).get(10, TimeUnit.SECONDS).body())
          .isEqualTo("100000");
      connection.close();
    }
  }

  @Test
  void anApplicationThatStopsReadingHoldsTheClientToItsWindowUntilItReadsAgain() throws Exception {
    java.util.concurrent.CountDownLatch readAgain = new java.util.concurrent.CountDownLatch(1);
    long size = 64L << 20;
    try (RawApp stalls =
        new RawApp(
            (connection, request, head, in) -> {
              readAgain.await(20, TimeUnit.SECONDS);
              long read = 0;
              byte[] buffer = new byte[64 << 10];
              for (int n; read < size && (n = in.read(buffer)) > 0; ) {
                read += n;
              }
              return Long.toString(read);
            })) {
      Channel connection = connect(stalls.address());
      Upload upload = new Upload(size);
      java.util.concurrent.CompletableFuture<H2Peers.Response> answer =
          H2Peers.streamingRequest(
              connection,
              post("/upload").set("content-length", Long.toString(size)),
              upload::start);

      // The engine gives the client window back only as the application takes the bytes: once
      // the socket to the application is full, the client is held to its window. A relay that
      // returned window at once would take all 64 MiB into its own memory.
      Thread.sleep(1500);
      long sentWhileStalled = upload.sent.get();
      assertThat(sentWhileStalled).isGreaterThan(0).isLessThan(16L << 20);
      Thread.sleep(500);
      assertThat(upload.sent.get()).isEqualTo(sentWhileStalled);

      readAgain.countDown();
      H2Peers.Response r = answer.get(30, TimeUnit.SECONDS);
      assertThat(r.headers().status().toString()).isEqualTo("200");
      assertThat(r.body()).isEqualTo(Long.toString(size));
      connection.close();
    }
  }

  /** A request body written as fast as the stream's window lets it, counting what went out. */
  private static final class Upload {
    private static final byte[] ZEROS = new byte[16 << 10];
    private final long size;
    private final java.util.concurrent.atomic.AtomicLong sent =
        new java.util.concurrent.atomic.AtomicLong();

    Upload(long size) {
      this.size = size;
    }

    void start(io.netty.handler.codec.http2.Http2StreamChannel stream) {
      stream
          .pipeline()
          .addLast(
              new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(
                    io.netty.channel.ChannelHandlerContext ctx) {
                  writeWhileWritable(stream);
                  ctx.fireChannelWritabilityChanged();
                }
              });
      writeWhileWritable(stream);
    }

    private void writeWhileWritable(io.netty.handler.codec.http2.Http2StreamChannel stream) {
      while (stream.isWritable() && sent.get() < size) {
        int n = (int) Math.min(ZEROS.length, size - sent.get());
        sent.addAndGet(n);
        stream.write(
            new io.netty.handler.codec.http2.DefaultHttp2DataFrame(
                io.netty.buffer.Unpooled.wrappedBuffer(ZEROS, 0, n), sent.get() == size));
      }
      stream.flush();
    }
  }

  @Test
  void aPooledConnectionTheApplicationClosesOnReuseIsRedialledForAGet() throws Exception {
    // Each connection answers its first request and closes on the second, as a keep-alive
    // timeout meeting the reuse would.
    try (RawApp closesOnReuse =
        new RawApp(
            (connection, request, head, in) -> request == 1 ? null : "connection " + connection)) {
      Channel connection = connect(closesOnReuse.address());
      assertThat(H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS).body())
          .isEqualTo("connection 0");
      H2Peers.Response again = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);
      assertThat(again.headers().status().toString()).isEqualTo("200");
      assertThat(again.body()).isEqualTo("connection 1");
      // A POST is not sent twice (the application may have acted on it): Envoy's 503 with UC.
      H2Peers.Response post = H2Peers.request(connection, post("/"), null).get(5, TimeUnit.SECONDS);
      assertThat(post.headers().status().toString()).isEqualTo("503");
      assertThat(post.body()).endsWith("reset reason: connection termination");
      connection.close();
    }
  }

  @Test
  void aHundredContinueGoesBeforeTheFinalAnswer() throws Exception {
    Channel connection = connect(app.address());
    H2Peers.Response r =
        H2Peers.request(connection, post("/upload").set("expect", "100-continue"), "twelve bytes")
            .get(5, TimeUnit.SECONDS);

    assertThat(r.informational()).isEqualTo(1);
    assertThat(r.headers().status().toString()).isEqualTo("200");
    assertThat(r.body()).isEqualTo("12");
    connection.close();
  }

  private static Http2Headers post(String path) {
    return get(path).method("POST");
  }

  /**
   * An HTTP/1.1 application on raw sockets: for each request head (the {@code request}-th on its
   * connection, the {@code connection}-th connection), {@link Behaviour} gives the body to answer
   * with, or null to close the connection unanswered.
   */
  private static final class RawApp implements AutoCloseable {

    interface Behaviour {
      String answer(int connection, int request, String head, java.io.InputStream in)
          throws Exception;
    }

    private final Behaviour behaviour;
    private final java.net.ServerSocket server =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final java.util.concurrent.atomic.AtomicInteger connections =
        new java.util.concurrent.atomic.AtomicInteger();

    RawApp(Behaviour behaviour) throws java.io.IOException {
      this.behaviour = behaviour;
      Thread acceptor = new Thread(this::accept, "raw-app");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    java.net.InetSocketAddress address() {
      return (java.net.InetSocketAddress) server.getLocalSocketAddress();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          java.net.Socket s = server.accept();
          int index = connections.getAndIncrement();
          Thread t = new Thread(() -> serve(s, index), "raw-app-connection");
          t.setDaemon(true);
          t.start();
        } catch (java.io.IOException e) {
          return;
        }
      }
    }

    private void serve(java.net.Socket s, int connection) {
      try (s) {
        java.io.InputStream in = s.getInputStream();
        for (int request = 0; ; request++) {
          StringBuilder head = new StringBuilder();
          while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
              return;
            }
            head.append((char) b);
          }
          String answer = behaviour.answer(connection, request, head.toString(), in);
          if (answer == null) {
            return;
          }
          s.getOutputStream()
              .write(
                  ("HTTP/1.1 200 OK\r\nContent-Length: "
                          + answer.length()
                          + "\r\n\r\n"
                          + answer)
                      .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
      } catch (Exception e) {
        // the engine closed it
      }
    }

    @Override
    public void close() throws java.io.IOException {
      server.close();
    }
  }

  @Test
  void aResponseThatDoesNotDecodeIs503WithTheUpstreamProtocolErrorFlag() throws Exception {
    try (CannedApp broken = new CannedApp("HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok")) {
      Channel connection = connect(broken.address());
      H2Peers.Response r = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);

      assertThat(r.headers().status().toString()).isEqualTo("503");
      assertThat(r.body()).endsWith("reset reason: protocol error");
      connection.close();
    }
    fixture.awaitOne("istio_requests_total", "response_code", "503", "response_flags", "UPE");
  }

  @Test
  void aTargetHttp1CannotCarryIsRefusedAndNeverReachesTheApplication() throws Exception {
    Channel connection = connect(app.address());
    // Sent on as it is, the space would end the request line: "GET /a HTTP/1.1 HTTP/1.1".
    H2Peers.Response r =
        H2Peers.request(connection, get("/a HTTP/1.1"), null).get(5, TimeUnit.SECONDS);

    assertThat(r.headers().status().toString()).isEqualTo("400");
    assertThat(app.requests.get()).isZero();
    assertThat(H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS).body())
        .isEqualTo("ok");
    connection.close();
    fixture.awaitOne("istio_requests_total", "response_code", "400", "response_flags", "DPE");
  }

  @Test
  void aFieldValueWithALineBreakNeverReachesTheApplication() throws Exception {
    Channel connection = connect(app.address());
    // Sent on as it is, the line break would start a header of the client's making.
    java.util.concurrent.CompletableFuture<H2Peers.Response> smuggled =
        H2Peers.request(connection, get("/").add("x-note", "a\r\nx-smuggled: yes"), null);

    // Refused either way: by the HTTP/2 codec (a reset) or by the engine (400).
    org.assertj.core.api.Assertions.assertThatCode(
            () ->
                assertThat(smuggled.get(5, TimeUnit.SECONDS).headers().status().toString())
                    .isEqualTo("400"))
        .satisfiesAnyOf(
            thrown -> assertThat(thrown).isNull(),
            thrown -> assertThat(thrown).hasMessageContaining("stream closed"));
    assertThat(app.requests.get()).isZero();
    connection.close();
  }

  @Test
  void anAnswerFieldWithAControlCharacterNeverReachesTheClient() throws Exception {
    // The answer's fields cross into HTTP/2 unchecked: the HTTP/1.1 decoder must refuse this one.
    try (CannedApp broken =
        new CannedApp("HTTP/1.1 200 OK\r\nX-Note: a\u0001b\r\nContent-Length: 2\r\n\r\nok")) {
      Channel connection = connect(broken.address());
      H2Peers.Response r = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);

      assertThat(r.headers().status().toString()).isEqualTo("503");
      assertThat(r.headers().contains("x-note")).isFalse();
      assertThat(r.body()).endsWith("reset reason: protocol error");
      connection.close();
    }
  }

  @Test
  void anApplicationThatIsNotListeningIs503WithTheUpstreamFailureFlag() throws Exception {
    java.net.InetSocketAddress nobody;
    try (java.net.ServerSocket probe =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      nobody = (java.net.InetSocketAddress) probe.getLocalSocketAddress();
    }
    Channel connection = connect(nobody);
    H2Peers.Response r = H2Peers.request(connection, get("/"), null).get(5, TimeUnit.SECONDS);

    assertThat(r.headers().status().toString()).isEqualTo("503");
    assertThat(r.body()).endsWith("reset reason: connection failure");
    connection.close();
    fixture.awaitOne("istio_requests_total", "response_code", "503", "response_flags", "UF");
  }
}
