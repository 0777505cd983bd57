package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.LocalFailure;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.config.TcpProxyListener;
import dev.jmesh.dataplane.engine.ClientHello;
import dev.jmesh.dataplane.engine.EngineUpstreamConnections;
import dev.jmesh.dataplane.engine.TcpPeerExchange;
import dev.jmesh.dataplane.engine.TcpPeerExchangeHandler;
import dev.jmesh.dataplane.identity.SvidVerifier;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TcpConnection;
import dev.jmesh.dataplane.stats.TrafficSeries;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.X509Certificate;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An outbound TCP proxy connection, as Envoy's {@code tcp_proxy}: picks the cluster by weight and a
 * host with the cluster's balancer, connects (with mTLS when the cluster says so), trying one other
 * host when the connect fails, then relays bytes both ways with backpressure. The downstream is not
 * read until the upstream is connected, so nothing is buffered. Counts Istio's TCP metrics with
 * exact byte counts as bytes move.
 *
 * <p>Over mutual TLS it offers ALPN {@code istio-peer-exchange}: when the server accepts, both
 * sides first send their {@link TcpPeerExchange} prefix, the server's is stripped before relaying,
 * and the connection's metrics name the server's workload as the destination.
 */
final class TcpProxyConnection extends ChannelInboundHandlerAdapter {

  private final OutboundRuntime rt;
  private final String destination;
  private boolean started;

  /** The ClientHello read so far, when chains are chosen by SNI; sent upstream first. */
  private ByteBuf hello;

  private TcpProxyListener listener;

  TcpProxyConnection(OutboundRuntime rt, String destination) {
    this.rt = rt;
    this.destination = destination;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (listener == null || !(msg instanceof ByteBuf in)) {
      // Nothing else is read before the upstream is there.
      ReferenceCountUtil.release(msg);
      return;
    }
    hello = hello == null ? in : ctx.alloc().compositeBuffer().addComponents(true, hello, in);
    int n = Math.min(hello.readableBytes(), ClientHello.MAX_RECORD);
    byte[] bytes = new byte[n];
    hello.getBytes(hello.readerIndex(), bytes);
    ClientHello.Result r = ClientHello.parse(bytes, 0, n);
    if (r.status() == ClientHello.Status.NEED_MORE && n < ClientHello.MAX_RECORD) {
      ctx.read();
      return;
    }
    TcpProxyListener l = listener;
    listener = null;
    route(ctx, l.route(r.status() == ClientHello.Status.OK ? r.serverName() : null));
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (hello != null) {
      hello.release();
      hello = null;
    }
  }

  private void start(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    TcpProxyListener l = rt.snapshot().tcpListener(destination);
    if (l == null) {
      ctx.close();
      return;
    }
    for (TcpProxyListener.TcpRoute chain : l.chains()) {
      if (!chain.serverNames().isEmpty()) {
        // Chains by SNI (a TLS service the application speaks TLS to): read its ClientHello.
        listener = l;
        ctx.read();
        return;
      }
    }
    route(ctx, l.route(null));
  }

  private void route(ChannelHandlerContext ctx, TcpProxyListener.TcpRoute route) {
    if (route == null) {
      ctx.close();
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String name = route.clusters().pick(random.nextLong());
    UpstreamCluster cluster = rt.context.clusters().cluster(name);
    Host host = cluster == null ? null : cluster.pick(0, false, random.nextLong());
    if (host == null) {
      MeshLog.warnOnce(
          "outbound-tcp-no-host:" + name,
          "TCP connections to "
              + destination
              + " are closed: cluster "
              + name
              + (cluster == null ? " does not exist" : " has no healthy host"));
      ctx.close();
      return;
    }
    connect(ctx, cluster, host, true);
  }

  private void connect(
      ChannelHandlerContext ctx, UpstreamCluster cluster, Host host, boolean first) {
    Channel down = ctx.channel();
    UpstreamTls.Choice tls = rt.tlsFor(cluster, host);
    if (tls != UpstreamTls.PLAINTEXT && !tls.secure()) {
      ctx.close(); // never plaintext where mTLS is configured; UpstreamTls said why, once
      return;
    }
    long timeoutMillis =
        Math.min(
            TimeUnit.NANOSECONDS.toMillis(cluster.connectTimeoutNanos()),
            rt.limits.connectTimeout().toMillis());
    ChannelFuture f =
        new Bootstrap()
            .group(down.eventLoop())
            .channel(rt.context.loops().channel())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeoutMillis))
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (tls.secure()) {
                      ch.pipeline()
                          .addLast(
                              tls.sni != null
                                  ? tls.tcpContext.newHandler(ch.alloc(), tls.sni, host.port())
                                  : tls.tcpContext.newHandler(ch.alloc()));
                    }
                  }
                })
            .connect(host.address(), host.port());
    f.addListener(
        (ChannelFuture c) -> {
          if (c.isSuccess()) {
            EngineUpstreamConnections.opened(c.channel());
            SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
            if (ssl == null) {
              relay(ctx, cluster, host, c.channel(), null);
            } else {
              // The handshake needs reads: on while it runs.
              c.channel().config().setAutoRead(true);
              ssl.handshakeFuture()
                  .addListener(
                      h -> {
                        if (h.isSuccess()
                            && TcpPeerExchange.ALPN.equals(ssl.applicationProtocol())) {
                          exchange(ctx, cluster, host, c.channel(), ssl);
                        } else if (h.isSuccess()) {
                          c.channel().config().setAutoRead(false);
                          relay(ctx, cluster, host, c.channel(), null);
                        } else {
                          c.channel().close();
                          failed(ctx, cluster, host, first);
                        }
                      });
            }
          } else {
            failed(ctx, cluster, host, first);
          }
        });
  }

  private void failed(
      ChannelHandlerContext ctx, UpstreamCluster cluster, Host host, boolean first) {
    host.requestStarted();
    host.requestFailed(LocalFailure.CONNECT_FAILED);
    if (!ctx.channel().isActive()) {
      return;
    }
    Host other = first ? cluster.pick(0, false, ThreadLocalRandom.current().nextLong()) : null;
    if (other != null) {
      connect(ctx, cluster, other, false);
      return;
    }
    IstioMetrics metrics = rt.context.metrics();
    if (metrics != null) {
      metrics
          .tcpConnection(
              rt.tcpEdges.series(cluster, host, metrics),
              ResponseFlag.UF.bit(),
              cluster.name(),
              host.hostKey())
          .closed(0, 0);
    }
    ctx.close();
  }

  /**
   * The server accepted the metadata exchange: sends this workload's prefix, then relays once the
   * server's is read (a server that sends garbage or nothing is closed, and so is the downstream).
   */
  private void exchange(
      ChannelHandlerContext ctx, UpstreamCluster cluster, Host host, Channel up, SslHandler ssl) {
    String principal;
    try {
      principal =
          SvidVerifier.spiffeId(
                  (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
              .toString();
    } catch (Exception e) {
      // The trust manager accepted the server by its SPIFFE ID, so this does not happen.
      principal = null;
    }
    // Until the prefix is read, neither side is relayed: one closing must close the other.
    up.closeFuture()
        .addListener(
            f -> {
              if (up.pipeline().get(TcpPeerExchangeHandler.class) != null) {
                ctx.close();
              }
            });
    ctx.channel()
        .closeFuture()
        .addListener(
            f -> {
              if (up.pipeline().get(TcpPeerExchangeHandler.class) != null) {
                up.close();
              }
            });
    up.writeAndFlush(Unpooled.wrappedBuffer(rt.tcpPeerPrefix));
    up.pipeline()
        .addLast(
            new TcpPeerExchangeHandler(
                principal,
                "outbound cluster " + cluster.name(),
                peer -> relay(ctx, cluster, host, up, peer)));
  }

  /** {@code peer}: the server as the metadata exchange described it, {@code null} for none. */
  private void relay(
      ChannelHandlerContext ctx,
      UpstreamCluster cluster,
      Host host,
      Channel up,
      WorkloadLabels peer) {
    Channel down = ctx.channel();
    if (!down.isActive()) {
      up.close();
      return;
    }
    host.connectionSucceeded();
    IstioMetrics metrics = rt.context.metrics();
    TcpConnection connection =
        metrics == null
            ? null
            : metrics.tcpConnection(
                peer == null || WorkloadLabels.UNKNOWN.equals(peer.workload())
                    ? rt.tcpEdges.series(cluster, host, metrics)
                    : exchanged(cluster, peer, metrics),
                0,
                cluster.name(),
                host.hostKey());
    Relay.Counter counter = connection == null ? null : new Bytes(connection);
    if (hello != null) {
      ByteBuf first = hello;
      hello = null;
      if (counter != null) {
        counter.moved(false, first.readableBytes());
      }
      up.writeAndFlush(first);
    }
    up.pipeline().addLast(new Relay(down, counter, true));
    ctx.pipeline().replace(this, "relay", new Relay(up, counter, false));
    up.config().setAutoRead(true);
    down.config().setAutoRead(true);
  }

  /**
   * The series of a connection to {@code cluster} whose server described itself as {@code peer}.
   */
  private TrafficSeries exchanged(
      UpstreamCluster cluster, WorkloadLabels peer, IstioMetrics metrics) {
    TrafficLabels byCluster = rt.tcpEdges.labels(cluster.name());
    return metrics.traffic(
        TrafficLabels.builder(Reporter.SOURCE)
            .source(byCluster.source())
            .destination(peer)
            .destinationService(
                byCluster.destinationService(),
                byCluster.destinationServiceName(),
                byCluster.destinationServiceNamespace())
            .securityPolicy(byCluster.securityPolicy())
            .build());
  }

  /** Reports bytes to the connection's metrics as they move; closed once both sides are. */
  private static final class Bytes implements Relay.Counter {
    private final TcpConnection connection;
    private final AtomicInteger closes = new AtomicInteger();

    Bytes(TcpConnection connection) {
      this.connection = connection;
    }

    @Override
    public void moved(boolean fromUpstream, int bytes) {
      // TcpSeries: "sent" is what went to the downstream, "received" what came from it.
      if (fromUpstream) {
        connection.addBytes(bytes, 0);
      } else {
        connection.addBytes(0, bytes);
      }
    }

    @Override
    public void closed() {
      if (closes.incrementAndGet() == 2) {
        connection.closed(0, 0);
      }
    }
  }
}
