package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.SpiffeId;
import dev.jmesh.dataplane.identity.TestCa;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream mTLS over real loopback TLS: Istio's ISTIO_MUTUAL cluster shape presents the workload's
 * SVID and verifies the server's SPIFFE ID; a wrong server, or no identity, fails the request and
 * nothing leaves in plaintext. The TCP proxy relays through mTLS and counts exact bytes.
 */
class OutboundEngineMtlsTest {

  private static final String TRUST_DOMAIN = "cluster.local";
  private static final SpiffeId PRODUCTPAGE =
      SpiffeId.workload(TRUST_DOMAIN, "default", "productpage");
  private static final SpiffeId REVIEWS = SpiffeId.workload(TRUST_DOMAIN, "default", "reviews");
  private static final SpiffeId RATINGS = SpiffeId.workload(TRUST_DOMAIN, "default", "ratings");
  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final String IMPOSTOR = "impostor.default.svc.cluster.local:9080";
  private static final String MONGO = "mongo.default.svc.cluster.local:27017";
  private static final String REVIEWS_CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";
  private static final String IMPOSTOR_CLUSTER =
      "outbound|9080||impostor.default.svc.cluster.local";
  private static final String MONGO_CLUSTER = "outbound|27017||mongo.default.svc.cluster.local";

  private static TestCa ca;
  private static WorkloadIdentity productpage;
  private static WorkloadIdentity reviews;
  private static WorkloadIdentity ratings;
  private static TestUpstream reviewsServer;
  private static TestUpstream impostorServer;
  private static EventLoopGroup echoGroup;
  private static Channel echo;
  private static final ConcurrentLinkedQueue<String> echoPeers = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    ca = new TestCa("mesh root");
    productpage = ca.workload(PRODUCTPAGE, TRUST_DOMAIN, 3_600_000);
    reviews = ca.workload(REVIEWS, TRUST_DOMAIN, 3_600_000);
    ratings = ca.workload(RATINGS, TRUST_DOMAIN, 3_600_000);
    reviewsServer =
        new TestUpstream("reviews", false, MeshTls.server(reviews, MeshTls.Provider.JDK));
    impostorServer =
        new TestUpstream("impostor", false, MeshTls.server(ratings, MeshTls.Provider.JDK));
    SslContext echoTls = MeshTls.server(reviews, MeshTls.Provider.JDK);
    echoGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    echo =
        new ServerBootstrap()
            .group(echoGroup)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    SslHandler ssl = echoTls.newHandler(ch.alloc());
                    ssl.handshakeFuture()
                        .addListener(
                            f -> {
                              if (f.isSuccess()) {
                                X509Certificate peer =
                                    (X509Certificate)
                                        ssl.engine().getSession().getPeerCertificates()[0];
                                for (List<?> san : peer.getSubjectAlternativeNames()) {
                                  echoPeers.add((String) san.get(1));
                                }
                              }
                            });
                    ch.pipeline()
                        .addLast(
                            ssl,
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.writeAndFlush(msg);
                              }
                            });
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  @AfterAll
  static void stop() {
    reviewsServer.close();
    impostorServer.close();
    echo.close();
    echoGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    productpage.close();
    reviews.close();
    ratings.close();
  }

  private static MeshFixture mesh(WorkloadIdentity self) {
    MeshFixture mesh =
        new MeshFixture()
            .httpListener(LISTENER, MeshFixture.allTo(LISTENER, REVIEWS_CLUSTER))
            .httpListener(IMPOSTOR, MeshFixture.allTo(IMPOSTOR, IMPOSTOR_CLUSTER))
            .tcpListener(MONGO, 27017, MONGO_CLUSTER)
            .cluster(
                Cluster.newBuilder()
                    .setName(REVIEWS_CLUSTER)
                    .setTransportSocket(
                        MeshFixture.istioMutual(
                            REVIEWS.toString(),
                            "outbound_.9080_._.reviews.default.svc.cluster.local")),
                reviewsServer.port())
            .cluster(
                Cluster.newBuilder()
                    .setName(IMPOSTOR_CLUSTER)
                    .setTransportSocket(MeshFixture.istioMutual(REVIEWS.toString(), "")),
                impostorServer.port())
            .cluster(
                Cluster.newBuilder()
                    .setName(MONGO_CLUSTER)
                    .setTransportSocket(
                        MeshFixture.istioMutual(
                            REVIEWS.toString(),
                            "outbound_.27017_._.mongo.default.svc.cluster.local")),
                ((InetSocketAddress) echo.localAddress()).getPort());
    mesh.identity = () -> self;
    return mesh;
  }

  @Test
  void theUpstreamSeesTheWorkloadSvid() throws Exception {
    try (MeshFixture mesh = mesh(productpage);
        Http1Client app = new Http1Client(mesh.start().listenerFor(LISTENER))) {
      Http1Client.Response r = app.get("/reviews/1");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("reviews ");
      assertThat(reviewsServer.peers).contains(PRODUCTPAGE.toString());
    }
  }

  @Test
  void autoMtlsPicksEachHostsTransportByItsEndpointMetadata() throws Exception {
    String auto = "auto.default.svc.cluster.local:9080";
    String autoCluster = "outbound|9080||auto.default.svc.cluster.local";
    try (TestUpstream plain = new TestUpstream("plain", false, null);
        MeshFixture mesh = mesh(productpage)) {
      int tlsRequests = reviewsServer.requests.get();
      mesh.httpListener(auto, MeshFixture.allTo(auto, autoCluster))
          .cluster(
              Cluster.newBuilder()
                  .setName(autoCluster)
                  .addTransportSocketMatches(
                      Cluster.TransportSocketMatch.newBuilder()
                          .setName("tlsMode-istio")
                          .setMatch(
                              com.google.protobuf.Struct.newBuilder()
                                  .putFields(
                                      "tlsMode",
                                      com.google.protobuf.Value.newBuilder()
                                          .setStringValue("istio")
                                          .build()))
                          .setTransportSocket(MeshFixture.istioMutual(REVIEWS.toString(), "")))
                  .addTransportSocketMatches(
                      Cluster.TransportSocketMatch.newBuilder()
                          .setName("tlsMode-disabled")
                          .setTransportSocket(
                              io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder()
                                  .setName("envoy.transport_sockets.raw_buffer")
                                  .setTypedConfig(
                                      com.google.protobuf.Any.pack(
                                          io.envoyproxy.envoy.extensions.transport_sockets
                                              .raw_buffer.v3.RawBuffer.getDefaultInstance())))),
              java.util.Set.of(reviewsServer.port()),
              reviewsServer.port(),
              plain.port());
      try (Http1Client app = new Http1Client(mesh.start().listenerFor(auto))) {
        for (int i = 0; i < 4; i++) {
          Http1Client.Response r = app.get("/reviews/" + i);
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.body()).isIn("reviews ", "plain ");
        }
      }
      // Round robin over both: the istio endpoint over mTLS, the other in plaintext.
      assertThat(reviewsServer.requests.get() - tlsRequests).isEqualTo(2);
      assertThat(plain.requests.get()).isEqualTo(2);
    }
  }

  @Test
  void aServerWithTheWrongSpiffeIdFailsTheRequest() throws Exception {
    int before = impostorServer.requests.get();
    try (MeshFixture mesh = mesh(productpage);
        Http1Client app = new Http1Client(mesh.start().listenerFor(IMPOSTOR))) {
      Http1Client.Response r = app.get("/reviews/1");
      assertThat(r.status()).isEqualTo(503);
      assertThat(mesh.prometheus()).contains("response_flags=\"UF\"");
    }
    assertThat(impostorServer.requests.get()).isEqualTo(before);
  }

  @Test
  void withoutAnIdentityNothingLeavesInPlaintext() throws Exception {
    int connections = reviewsServer.connections.get();
    try (MeshFixture mesh = mesh(null);
        Http1Client app = new Http1Client(mesh.start().listenerFor(LISTENER))) {
      Http1Client.Response r = app.get("/reviews/1");
      assertThat(r.status()).isEqualTo(503);
      assertThat(mesh.prometheus()).contains("response_flags=\"UF\"");
    }
    assertThat(reviewsServer.connections.get()).isEqualTo(connections);
  }

  @Test
  void tcpIsRelayedThroughMtlsWithExactByteCounts() throws Exception {
    try (MeshFixture mesh = mesh(productpage)) {
      InetSocketAddress local = mesh.start().listenerFor(MONGO);
      byte[] payload = new byte[100_000];
      for (int i = 0; i < payload.length; i++) {
        payload[i] = (byte) i;
      }
      try (Socket s = new Socket()) {
        s.connect(local, 2000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(payload);
        out.flush();
        byte[] back = in.readNBytes(payload.length);
        assertThat(back).isEqualTo(payload);
      }
      assertThat(echoPeers).contains(PRODUCTPAGE.toString());
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                String text = mesh.prometheus();
                assertThat(sample(text, "istio_tcp_connections_opened_total")).isEqualTo(1);
                assertThat(sample(text, "istio_tcp_connections_closed_total")).isEqualTo(1);
                assertThat(sample(text, "istio_tcp_sent_bytes_total")).isEqualTo(100_000);
                assertThat(sample(text, "istio_tcp_received_bytes_total")).isEqualTo(100_000);
                assertThat(text)
                    .contains("destination_service=\"mongo.default.svc.cluster.local\"")
                    .contains("source_workload=\"productpage-v1\"");
              });
    }
  }

  /** The value of the one sample of {@code metric}. */
  private static long sample(String text, String metric) {
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{[^}]*\\} (\\d+)$").matcher(text);
    assertThat(m.find()).as(metric + " in\n" + text).isTrue();
    long v = Long.parseLong(m.group(1));
    assertThat(m.find()).as("one series of " + metric).isFalse();
    return v;
  }

  @Test
  void aTcpUpstreamThatCannotBeReachedIsCountedWithUf() throws Exception {
    int closedPort;
    try (java.net.ServerSocket gone = new java.net.ServerSocket(0)) {
      closedPort = gone.getLocalPort();
    }
    String nowhere = "nowhere.default.svc.cluster.local:5432";
    String cluster = "outbound|5432||nowhere.default.svc.cluster.local";
    try (MeshFixture mesh =
        new MeshFixture()
            .tcpListener(nowhere, 5432, cluster)
            .cluster(Cluster.newBuilder().setName(cluster), closedPort)) {
      try (Socket s = new Socket()) {
        s.connect(mesh.start().listenerFor(nowhere), 2000);
        s.setSoTimeout(10_000);
        int read;
        try {
          read = s.getInputStream().read();
        } catch (java.io.IOException reset) {
          read = -1;
        }
        assertThat(read).isEqualTo(-1);
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                String text = mesh.prometheus();
                assertThat(sample(text, "istio_tcp_connections_opened_total")).isEqualTo(1);
                assertThat(text).contains("response_flags=\"UF\"");
              });
    }
  }
}
