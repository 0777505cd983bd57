package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.TcpPeerExchange;
import dev.jmesh.dataplane.engine.TcpPeerExchangeHandler;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.SpiffeId;
import dev.jmesh.dataplane.identity.TestCa;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.record.WorkloadLabels;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outbound TCP proxy against servers that accept ALPN {@code istio-peer-exchange} over real
 * loopback mTLS: one speaks Istio's TCP metadata exchange, so the client strips its prefix and
 * labels the connection with its workload; one selects the ALPN but sends something else, and is
 * closed rather than relayed.
 */
class OutboundTcpPeerExchangeTest {

  private static final String TRUST_DOMAIN = "cluster.local";
  private static final SpiffeId PRODUCTPAGE =
      SpiffeId.workload(TRUST_DOMAIN, "default", "productpage");
  private static final SpiffeId MONGO = SpiffeId.workload(TRUST_DOMAIN, "db", "mongo");
  private static final String MONGO_LISTENER = "mongo.db.svc.cluster.local:27017";
  private static final String MONGO_CLUSTER = "outbound|27017||mongo.db.svc.cluster.local";
  private static final String BROKEN_LISTENER = "broken.db.svc.cluster.local:27018";
  private static final String BROKEN_CLUSTER = "outbound|27018||broken.db.svc.cluster.local";

  private static final WorkloadLabels MONGO_WORKLOAD =
      WorkloadLabels.builder()
          .workload("mongo-v1")
          .namespace("db")
          .app("mongo")
          .version("v1")
          .canonicalService("mongo")
          .build();

  private static TestCa ca;
  private static WorkloadIdentity productpage;
  private static WorkloadIdentity mongo;
  private static EventLoopGroup group;
  private static Channel exchanging;
  private static Channel garbage;
  private static final ConcurrentLinkedQueue<WorkloadLabels> clientsSeen =
      new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    ca = new TestCa("mesh root");
    productpage = ca.workload(PRODUCTPAGE, TRUST_DOMAIN, 3_600_000);
    mongo = ca.workload(MONGO, TRUST_DOMAIN, 3_600_000);
    SslContext tls =
        MeshTls.server(
            mongo,
            MeshTls.Provider.JDK,
            new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                TcpPeerExchange.ALPN));
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    byte[] prefix = TcpPeerExchange.prefix(MONGO_WORKLOAD, "sidecar~10.0.0.9~mongo-v1.db~db");
    exchanging =
        server(
            tls,
            ch -> {
              // As Istio's server filter: its prefix, then the client's is stripped, then echo.
              ch.writeAndFlush(Unpooled.wrappedBuffer(prefix));
              ch.pipeline()
                  .addLast(
                      new TcpPeerExchangeHandler(
                          PRODUCTPAGE.toString(), "test server", clientsSeen::add),
                      new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                          ctx.writeAndFlush(msg);
                        }
                      });
            });
    garbage =
        server(
            tls,
            ch ->
                ch.writeAndFlush(
                    Unpooled.copiedBuffer("+OK not a prefix\r\n", StandardCharsets.US_ASCII)));
  }

  /** A TLS server that calls {@code established} once the handshake is done. */
  private static Channel server(SslContext tls, java.util.function.Consumer<Channel> established)
      throws InterruptedException {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                SslHandler ssl = tls.newHandler(ch.alloc());
                ssl.handshakeFuture()
                    .addListener(
                        f -> {
                          if (f.isSuccess()
                              && TcpPeerExchange.ALPN.equals(ssl.applicationProtocol())) {
                            established.accept(ch);
                          }
                        });
                ch.pipeline().addLast(ssl);
              }
            })
        .bind("127.0.0.1", 0)
        .sync()
        .channel();
  }

  @AfterAll
  static void stop() {
    exchanging.close();
    garbage.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    productpage.close();
    mongo.close();
  }

  private static MeshFixture mesh() {
    MeshFixture mesh =
        new MeshFixture()
            .tcpListener(MONGO_LISTENER, 27017, MONGO_CLUSTER)
            .tcpListener(BROKEN_LISTENER, 27018, BROKEN_CLUSTER)
            .cluster(
                Cluster.newBuilder()
                    .setName(MONGO_CLUSTER)
                    .setTransportSocket(MeshFixture.istioMutual(MONGO.toString(), "")),
                ((InetSocketAddress) exchanging.localAddress()).getPort())
            .cluster(
                Cluster.newBuilder()
                    .setName(BROKEN_CLUSTER)
                    .setTransportSocket(MeshFixture.istioMutual(MONGO.toString(), "")),
                ((InetSocketAddress) garbage.localAddress()).getPort());
    mesh.identity = () -> productpage;
    return mesh;
  }

  @Test
  void exchangingServerIsNamedAsTheDestinationAndNoPrefixReachesEitherApplication()
      throws Exception {
    try (MeshFixture mesh = mesh()) {
      InetSocketAddress local = mesh.start().listenerFor(MONGO_LISTENER);
      byte[] payload = new byte[50_000];
      for (int i = 0; i < payload.length; i++) {
        payload[i] = (byte) (i * 7);
      }
      try (Socket s = new Socket()) {
        s.connect(local, 2000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(payload);
        s.getOutputStream().flush();
        // The echo of exactly what was sent: the server's prefix was stripped on the way back,
        // and the client's never reached the echo (which would have sent it back).
        assertThat(s.getInputStream().readNBytes(payload.length)).isEqualTo(payload);
      }
      assertThat(clientsSeen)
          .extracting(WorkloadLabels::workload, WorkloadLabels::principal)
          .contains(org.assertj.core.groups.Tuple.tuple("productpage-v1", PRODUCTPAGE.toString()));
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(mesh.prometheus())
                      .containsPattern(
                          "istio_tcp_connections_opened_total\\{reporter=\"source\""
                              + "[^}]*destination_workload=\"mongo-v1\""
                              + "[^}]*destination_principal=\"spiffe://cluster.local/ns/db/sa/mongo\""
                              + "[^}]*destination_version=\"v1\"")
                      .containsPattern(
                          "istio_tcp_sent_bytes_total\\{reporter=\"source\""
                              + "[^}]*destination_workload=\"mongo-v1\"[^}]*\\} 50000\\b"));
    }
  }

  @Test
  void serverThatSelectsTheAlpnButSendsNoPrefixIsClosedNotRelayed() throws Exception {
    try (MeshFixture mesh = mesh()) {
      InetSocketAddress local = mesh.start().listenerFor(BROKEN_LISTENER);
      try (Socket s = new Socket()) {
        s.connect(local, 2000);
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        int read;
        try {
          read = in.read();
        } catch (IOException reset) {
          read = -1;
        }
        // Closed without a byte of the server's unexpected greeting reaching the application.
        assertThat(read).isEqualTo(-1);
      }
    }
  }
}
