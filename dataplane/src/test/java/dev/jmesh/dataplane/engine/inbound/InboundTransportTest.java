package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Mutual TLS, PERMISSIVE sniffing, HTTP/2 and TCP through the inbound engine. */
class InboundTransportTest {

  private static final String GET = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";

  private final InboundFixture fixture;
  private final H2Peers h2 = new H2Peers();
  private EchoApp app;
  private TcpApp tcpApp;

  InboundTransportTest() throws Exception {
    fixture =
        new InboundFixture(
            InboundLimits.DEFAULTS.withProtocolDetectionTimeout(Duration.ofMillis(200)));
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
    h2.close();
    if (app != null) {
      app.close();
    }
    if (tcpApp != null) {
      tcpApp.close();
    }
  }

  private InboundPort http(Mode mode) throws Exception {
    app = new EchoApp();
    return fixture.serve(app.address(), InboundFixture.http(mode, HttpPolicy.ALLOW_ALL));
  }

  private static String expectedClientCert() throws Exception {
    byte[] der = InboundFixture.clientIdentity().current().leaf().getEncoded();
    return "By="
        + InboundFixture.SERVER_ID
        + ";Hash="
        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der))
        + ";URI="
        + InboundFixture.CLIENT_ID;
  }

  @Test
  void strictLetsAMeshClientInAndTellsTheApplicationWhoItIs() throws Exception {
    InboundPort port = http(Mode.STRICT);
    try (SSLSocket s = InboundFixture.tlsClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, GET);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("seen-xfcc")).isEqualTo(expectedClientCert());
      assertThat(r.header("seen-proto")).isEqualTo("https");
    }
    fixture.awaitOne(
        "istio_requests_total",
        "connection_security_policy",
        "mutual_tls",
        "source_principal",
        InboundFixture.CLIENT_ID.toString());
  }

  @Test
  void strictRefusesAPlaintextClient() throws Exception {
    InboundPort port = http(Mode.STRICT);
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.send(s, GET);
      assertThat(RawHttp.closed(s)).isTrue();
    }
    assertThat(app.requests.get()).isZero();
  }

  @Test
  void permissiveTakesBothTlsAndPlaintext() throws Exception {
    InboundPort port = http(Mode.PERMISSIVE);
    try (SSLSocket s = InboundFixture.tlsClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, GET);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("seen-xfcc")).isEqualTo(expectedClientCert());
    }
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, GET);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("seen-xfcc")).isEqualTo("null");
    }
    assertThat(app.requests.get()).isEqualTo(2);
  }

  @Test
  void disableServesPlaintextAndAServerThatSpeaksFirst() throws Exception {
    tcpApp = new TcpApp(true);
    InboundPort port =
        fixture.serve(
            tcpApp.address(), InboundFixture.tcp(Mode.DISABLE, ConnectionPolicy.ALLOW_ALL));
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      assertThat(readAscii(s.getInputStream(), TcpApp.GREETING.length()))
          .isEqualTo(TcpApp.GREETING);
    }
  }

  @Test
  void permissiveLetsAServerSpeakFirstAfterTheDetectionTimeout() throws Exception {
    tcpApp = new TcpApp(true);
    InboundPort port =
        fixture.serve(
            tcpApp.address(), InboundFixture.tcp(Mode.PERMISSIVE, ConnectionPolicy.ALLOW_ALL));
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      long started = System.nanoTime();
      assertThat(readAscii(s.getInputStream(), TcpApp.GREETING.length()))
          .isEqualTo(TcpApp.GREETING);
      assertThat(System.nanoTime() - started)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150))
          .isLessThan(TimeUnit.SECONDS.toNanos(3));
      s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readAscii(s.getInputStream(), 6)).isEqualTo("PING\r\n");
    }
  }

  @Test
  void aPausedEventLoopReadsTheClientsTlsBeforeTheOverdueDetectionTimer() throws Exception {
    InboundPort port = http(Mode.PERMISSIVE);
    javax.net.ssl.SSLContext tls =
        dev.jmesh.dataplane.identity.MeshTls.jdk(InboundFixture.clientIdentity(), id -> true);
    // A plain socket that counts what the TLS layer above it writes: the pause below must cover
    // the ClientHello's arrival, however slowly this (possibly loaded) machine sends it.
    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    Socket plain =
        new Socket() {
          @Override
          public OutputStream getOutputStream() throws java.io.IOException {
            OutputStream out = super.getOutputStream();
            return new java.io.FilterOutputStream(out) {
              @Override
              public void write(byte[] b, int off, int len) throws java.io.IOException {
                out.write(b, off, len);
                written.addAndGet(len);
              }
            };
          }
        };
    plain.connect(port.declared(), 5_000);
    try (SSLSocket s =
        (SSLSocket)
            tls.getSocketFactory()
                .createSocket(plain, "127.0.0.1", port.declared().getPort(), true)) {
      s.setSoTimeout(30_000);
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> fixture.engine.openConnections() == 1);
      // A GC pause, as the event loop sees it: nothing runs for seven detection timeouts, and
      // the client's first bytes arrive during it.
      java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
      for (io.netty.util.concurrent.EventExecutor loop : fixture.loops.group()) {
        loop.execute(
            () -> {
              paused.countDown();
              try {
                Thread.sleep(1_500);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (written.get() == 0 && System.nanoTime() < deadline) {
                  Thread.sleep(10);
                }
                Thread.sleep(50); // the ClientHello crosses loopback into the socket buffer
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
      assertThat(paused.await(5, TimeUnit.SECONDS)).isTrue();
      // The ClientHello arrives during the pause; the handshake completes after it.
      s.startHandshake();
      RawHttp.Response r = RawHttp.exchange(s, GET);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("seen-xfcc")).isEqualTo(expectedClientCert());
    }
  }

  @Test
  void tcpRelayCountsExactlyTheBytesEachWay() throws Exception {
    tcpApp = new TcpApp(false);
    InboundPort port =
        fixture.serve(
            tcpApp.address(), InboundFixture.tcp(Mode.DISABLE, ConnectionPolicy.ALLOW_ALL));
    int size = 300_000;
    byte[] payload = new byte[size];
    for (int i = 0; i < size; i++) {
      payload[i] = (byte) i;
    }
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  OutputStream out = s.getOutputStream();
                  out.write(payload);
                  out.flush();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      writer.start();
      byte[] echoed = s.getInputStream().readNBytes(size);
      writer.join(5_000);
      assertThat(echoed).isEqualTo(payload);
    }
    fixture.awaitOne("istio_tcp_connections_closed_total");
    var page = fixture.scrape();
    assertThat(page.value("istio_tcp_connections_opened_total", "reporter", "destination"))
        .isEqualTo(1.0);
    assertThat(page.value("istio_tcp_received_bytes_total")).isEqualTo((double) size);
    assertThat(page.value("istio_tcp_sent_bytes_total")).isEqualTo((double) size);
  }

  @Test
  void aClientThatShutsItsSendingSideStillReadsTheWholeAnswer() throws Exception {
    tcpApp = new TcpApp(false);
    InboundPort port =
        fixture.serve(
            tcpApp.address(), InboundFixture.tcp(Mode.DISABLE, ConnectionPolicy.ALLOW_ALL));
    byte[] request = "x".repeat(50_000).getBytes(StandardCharsets.US_ASCII);
    assertThat(halfClosedExchange(port, request)).isEqualTo(request);
  }

  /**
   * Sends {@code request} and the end of this side's output, then reads until the connection ends:
   * the echo ends when the application sees the end of input and closes.
   */
  private static byte[] halfClosedExchange(InboundPort port, byte[] request) throws Exception {
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      s.getOutputStream().write(request);
      s.shutdownOutput();
      return s.getInputStream().readAllBytes();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Mode.class,
      names = {"DISABLE", "PERMISSIVE"})
  void aShortRequestAndItsEndBeforeTheChainIsChosenStillReachTheApplication(Mode mode)
      throws Exception {
    // Fewer bytes than the sniffer needs, and the FIN with them: the chain is chosen on the end,
    // and the bytes held for the choice go to the application before it.
    tcpApp = new TcpApp(false);
    InboundPort port =
        fixture.serve(tcpApp.address(), InboundFixture.tcp(mode, ConnectionPolicy.ALLOW_ALL));
    byte[] request = "ping".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 20; i++) {
      assertThat(halfClosedExchange(port, request)).as("connection %d", i).isEqualTo(request);
    }
  }

  @Test
  void aTcpConnectionPolicyCanRefuseTheConnection() throws Exception {
    tcpApp = new TcpApp(true);
    InboundPort port =
        fixture.serve(
            tcpApp.address(),
            InboundFixture.tcp(Mode.STRICT, connection -> !connection.authenticated()));
    try (SSLSocket s = InboundFixture.tlsClient(port.declared())) {
      assertThat(RawHttp.closed(s)).isTrue();
    } catch (java.io.IOException handshakeCutShort) {
      // Refused as the handshake completed: refused all the same.
    }
  }

  @Test
  void aVerifiedTokenThePolicyTakesNeverReachesAnHttp2Application() throws Exception {
    InboundPort port =
        fixture.serve(h2.startApp(), InboundFixture.http(Mode.DISABLE, InboundFixture.TAKES_TOKEN));
    Channel connection = h2.connect(port.declared(), null);
    H2Peers.Response r =
        H2Peers.request(
                connection,
                grpcHeaders().set("authorization", "Bearer " + InboundFixture.TOKEN),
                "hello")
            .get(5, TimeUnit.SECONDS);
    assertThat(r.headers().status().toString()).isEqualTo("200");
    assertThat(r.headers().get("seen-authorization").toString()).isEqualTo("null");
    assertThat(r.headers().get("seen-jwt-payload").toString())
        .isEqualTo(InboundFixture.TOKEN_PAYLOAD);
    connection.close();
  }

  @Test
  void h2cWithPriorKnowledgeReachesAnH2cApplicationWithTrailers() throws Exception {
    InboundPort port =
        fixture.serve(h2.startApp(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
    Channel connection = h2.connect(port.declared(), null);
    H2Peers.Response r =
        H2Peers.request(
                connection,
                grpcHeaders()
                    .set(
                        dev.jmesh.dataplane.engine.PeerMetadata.HEADER,
                        dev.jmesh.dataplane.engine.PeerMetadata.encode(InboundFixture.SELF)),
                "hello")
            .get(5, TimeUnit.SECONDS);
    assertThat(r.headers().status().toString()).isEqualTo("200");
    assertThat(r.headers().get("seen-xff").toString()).isEqualTo("127.0.0.1");
    // A mesh peer (it sent its metadata) gets ours back; a client that sent none gets none.
    assertThat(r.headers().get("x-envoy-peer-metadata")).isNotNull();
    assertThat(
            H2Peers.request(connection, grpcHeaders(), "again")
                .get(5, TimeUnit.SECONDS)
                .headers()
                .get("x-envoy-peer-metadata"))
        .isNull();
    assertThat(r.body()).isEqualTo("hello");
    assertThat(r.trailers().get("grpc-status").toString()).isEqualTo("0");
    connection.close();
    fixture.awaitOne(
        "istio_requests_total",
        "request_protocol",
        "grpc",
        "grpc_response_status",
        "0",
        "source_workload",
        InboundFixture.SELF.workload());
  }

  @Test
  void h2OverMutualTlsIsChosenByAlpn() throws Exception {
    InboundPort port =
        fixture.serve(h2.startApp(), InboundFixture.http(Mode.STRICT, HttpPolicy.ALLOW_ALL));
    var client = InboundFixture.clientIdentity();
    SslContext tls =
        SslContextBuilder.forClient()
            .keyManager(client.keyManager())
            .trustManager(client.trustManager(id -> true))
            .endpointIdentificationAlgorithm(null)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2))
            .build();
    Channel connection = h2.connect(port.declared(), tls);
    H2Peers.Response r =
        H2Peers.request(connection, grpcHeaders(), "over tls").get(5, TimeUnit.SECONDS);
    assertThat(r.body()).isEqualTo("over tls");
    assertThat(r.headers().get("seen-xfcc").toString()).isEqualTo(expectedClientCert());
    assertThat(r.trailers().get("grpc-status").toString()).isEqualTo("0");
    connection.close();
  }

  @Test
  void h2RequestsMeetTheHttpPolicyToo() throws Exception {
    HttpPolicy denyAll = request -> PolicyVerdict.deny(403, "RBAC: access denied", List.of());
    InboundPort port = fixture.serve(h2.startApp(), InboundFixture.http(Mode.DISABLE, denyAll));
    Channel connection = h2.connect(port.declared(), null);
    H2Peers.Response r =
        H2Peers.request(connection, grpcHeaders(), "hello").get(5, TimeUnit.SECONDS);
    assertThat(r.headers().status().toString()).isEqualTo("403");
    assertThat(r.body()).isEqualTo("RBAC: access denied");
    connection.close();
  }

  @Test
  void h2RequestsMeetTheHardeningLimits() throws Exception {
    try (InboundFixture small =
        new InboundFixture(InboundLimits.DEFAULTS.withMaxRequestBodyBytes(1024))) {
      InboundPort port =
          small.serve(h2.startApp(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
      Channel connection = h2.connect(port.declared(), null);
      String body = "b".repeat(2000);
      Http2Headers large = grpcHeaders().set("content-length", "2000");
      // Refused on the headers, before any of the body.
      assertThat(
              H2Peers.request(connection, large, body).get(5, TimeUnit.SECONDS).headers().status())
          .hasToString("413");
      Http2Headers many = grpcHeaders();
      for (int i = 0; i < 101; i++) {
        many.set("x-h" + i, "v");
      }
      assertThat(
              H2Peers.request(connection, many, null).get(5, TimeUnit.SECONDS).headers().status())
          .hasToString("431");
      connection.close();
    }
  }

  @Test
  void drainSendsGoAwayToHttp2Clients() throws Exception {
    InboundPort port =
        fixture.serve(h2.startApp(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
    CompletableFuture<Long> goAway = new CompletableFuture<>();
    Channel connection = h2.connect(port.declared(), null, goAway);
    assertThat(H2Peers.request(connection, grpcHeaders(), "before").get(5, TimeUnit.SECONDS).body())
        .isEqualTo("before");

    CompletableFuture<Void> drained = fixture.engine.drain(Duration.ofSeconds(2));

    assertThat(goAway.get(5, TimeUnit.SECONDS)).isZero(); // NO_ERROR
    drained.get(5, TimeUnit.SECONDS);
    connection.closeFuture().await(5, TimeUnit.SECONDS);
    assertThat(connection.isActive()).isFalse();
  }

  private static Http2Headers grpcHeaders() {
    return new DefaultHttp2Headers()
        .method("POST")
        .path("/echo.Echo/Say")
        .scheme("http")
        .authority("reviews")
        .set("content-type", "application/grpc");
  }

  private static String readAscii(InputStream in, int n) throws Exception {
    return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
  }
}
