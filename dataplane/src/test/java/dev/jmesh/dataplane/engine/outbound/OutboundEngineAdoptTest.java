package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection accepted by someone else's listener (mesh-proxy's capture listener) and handed to
 * the engine with {@link OutboundEngine#adopt}: served as if the engine's own listener for the
 * destination had accepted it.
 */
class OutboundEngineAdoptTest {

  private static final String LISTENER = OutboundEngineHttpTest.LISTENER;
  private static final String REVIEWS = OutboundEngineHttpTest.REVIEWS;

  private TestUpstream upstream;
  private MeshFixture mesh;
  private OutboundEngine engine;
  private Channel foreign;

  @BeforeEach
  void setUp() throws Exception {
    upstream = new TestUpstream("A", false, null);
    RouteConfiguration routes = MeshFixture.allTo(LISTENER, REVIEWS);
    mesh =
        new MeshFixture()
            .httpListener(LISTENER, routes)
            .cluster(Cluster.newBuilder().setName(REVIEWS), upstream.port());
    engine = mesh.start();
    // The other listener, the one that hands its connections to the engine.
    foreign = listenerHandingOver(accepted -> engine.adopt(accepted, LISTENER));
  }

  /** A listener of the test's own that reads nothing and hands each connection over once active. */
  private Channel listenerHandingOver(Consumer<Channel> handOver) throws InterruptedException {
    return new ServerBootstrap()
        .group(mesh.context.loops().group())
        .channel(mesh.context.loops().serverChannel())
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelActive(ChannelHandlerContext ctx) {
                ctx.pipeline().remove(this);
                handOver.accept(ctx.channel());
              }
            })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .sync()
        .channel();
  }

  @AfterEach
  void tearDown() {
    foreign.close().syncUninterruptibly();
    mesh.close();
    upstream.close();
  }

  @Test
  void anAdoptedConnectionIsRoutedAndRecordedLikeTheEnginesOwn() throws Exception {
    try (Http1Client app = new Http1Client((InetSocketAddress) foreign.localAddress())) {
      for (int i = 0; i < 2; i++) {
        Http1Client.Response r = app.get("/reviews/" + i);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("A");
      }
    }
    assertThat(upstream.requests.get()).isEqualTo(2);
    assertThat(upstream.seen.peek().get("host")).isEqualTo("reviews:9080");
    assertThat(mesh.prometheus())
        .contains("destination_service=\"reviews.default.svc.cluster.local\"")
        .contains("response_code=\"200\"");
  }

  /** Closed, cleanly or (with the request unread) by a reset. */
  private static boolean closedByPeer(Http1Client app) throws java.io.IOException {
    try {
      return app.socket.getInputStream().read() == -1;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  @Test
  void anAdoptedLocalPortConnectionNamesTheServiceAsEveryRequestsAuthority() throws Exception {
    // mesh-proxy's --outbound reviews:9080=127.0.0.1:N: the client addresses the local port.
    Channel local =
        listenerHandingOver(accepted -> engine.adopt(accepted, LISTENER, "reviews:9080"));
    try (Http1Client app = new Http1Client((InetSocketAddress) local.localAddress())) {
      String self = "127.0.0.1:" + ((InetSocketAddress) local.localAddress()).getPort();
      app.writeRaw("GET /reviews/1 HTTP/1.1\r\nHost: " + self + "\r\n\r\n");
      assertThat(app.read().status()).isEqualTo(200);
      // Absolute form, as a client configured with the port as its HTTP proxy sends, and a
      // header meant for that proxy.
      app.writeRaw(
          "GET http://" + self + "/reviews/2?x=1 HTTP/1.1\r\nHost: " + self
              + "\r\nProxy-Connection: keep-alive\r\n\r\n");
      assertThat(app.read().status()).isEqualTo(200);
    } finally {
      local.close().syncUninterruptibly();
    }
    assertThat(upstream.requests.get()).isEqualTo(2);
    assertThat(upstream.seen).allSatisfy(h -> assertThat(h.get("host")).isEqualTo("reviews:9080"));
    assertThat(upstream.seen).noneSatisfy(h -> assertThat(h.contains("proxy-connection")).isTrue());
    assertThat(upstream.uris).containsExactly("/reviews/1", "/reviews/2?x=1");
  }

  @Test
  void aResponseReadWholeFromTheUpstreamReachesTheClientInOneFlush() throws Exception {
    AtomicInteger flushes = new AtomicInteger();
    Channel counted =
        listenerHandingOver(
            accepted -> {
              // Closest to the socket: sees every flush the engine's handlers make.
              accepted
                  .pipeline()
                  .addFirst(
                      new ChannelOutboundHandlerAdapter() {
                        @Override
                        public void flush(ChannelHandlerContext ctx) {
                          flushes.incrementAndGet();
                          ctx.flush();
                        }
                      });
              engine.adopt(accepted, LISTENER);
            });
    try (Http1Client app = new Http1Client((InetSocketAddress) counted.localAddress())) {
      for (int i = 0; i < 3; i++) {
        assertThat(app.get("/reviews/" + i).status()).isEqualTo(200);
      }
    } finally {
      counted.close().syncUninterruptibly();
    }
    // The test upstream writes each response, head and body, in one flush: the engine reads it
    // in one batch and hands it on in one flush (not one for the head and one for the body).
    assertThat(flushes).hasValue(3);
  }

  @Test
  void aConnectionAdoptedAfterShutdownIsClosed() throws Exception {
    engine.close();
    try (Http1Client app = new Http1Client((InetSocketAddress) foreign.localAddress())) {
      app.writeHead("GET", "/reviews/1", null);
      assertThat(closedByPeer(app)).isTrue();
    }
    assertThat(upstream.requests.get()).isZero();
  }
}
