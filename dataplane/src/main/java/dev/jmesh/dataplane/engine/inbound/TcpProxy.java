package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.TcpConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * A TCP port's connection: connects to the application at once (so a server-speaks-first protocol
 * works), holds what the client sends meanwhile, then becomes a {@link ByteRelay} both ways and
 * counts the connection and its bytes in the Istio TCP metrics.
 *
 * <p>The same relay carries an HTTP connection on a port a servlet container claimed ({@link
 * #forContainer}): its transport settled, its decrypted bytes go 1:1 to the container, whose
 * instrumentation runs the policy and records per request by looking the loopback connection up
 * ({@link RelayedConnections}). Such a connection counts neither TCP metrics (the requests are the
 * records) nor as the engine's in-flight work (a drain does not wait for the container).
 */
final class TcpProxy extends ChannelInboundHandlerAdapter {

  private final ServedPort port;
  private final DownstreamPeer peer;

  /** The claimed port's chain for a container's connection; {@code null} for a TCP port's. */
  private final InboundChain containerChain;

  /** The peer the TCP metadata exchange described; {@code null} when there was none. */
  private final WorkloadLabels source;

  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private Channel upstream;
  private TcpConnection connection;
  private boolean ended;
  private boolean inputEnded;

  /** {@code source}: the peer as the TCP metadata exchange described it, {@code null} for none. */
  TcpProxy(ServedPort port, DownstreamPeer peer, WorkloadLabels source) {
    this(port, peer, source, null);
  }

  private TcpProxy(
      ServedPort port, DownstreamPeer peer, WorkloadLabels source, InboundChain containerChain) {
    this.port = port;
    this.peer = peer;
    this.source = source;
    this.containerChain = containerChain;
  }

  /** The relay of an HTTP connection on a port a servlet container claimed, on {@code chain}. */
  static TcpProxy forContainer(ServedPort port, DownstreamPeer peer, InboundChain chain) {
    return new TcpProxy(port, peer, null, chain);
  }

  private boolean counted() {
    return containerChain == null;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Channel downstream = ctx.channel();
    if (counted()) {
      port.engine().begin();
    }
    downstream.closeFuture().addListener(f -> end());
    downstream.config().setAutoRead(false);
    // Half-close passes through plaintext; over TLS the end of a stream is TLS's own business.
    boolean halfClose = !peer.tls();
    port.dialer()
        .dial(
            downstream.eventLoop(),
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                ch.pipeline().addLast(new ByteRelay(downstream, sent(), halfClose));
              }
            },
            // Registered so that a servlet container finds the peer of its relayed requests, and,
            // for a TCP relay, can tell these opaque bytes (an HTTP port accepted before its
            // listener arrived) from checked ones once it claims the port.
            new RelayedConnection(peer, containerChain))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                if (counted()) {
                  connection = opened(ResponseFlag.UF.bit());
                }
                downstream.close();
                return;
              }
              upstream = ((ChannelFuture) f).channel();
              if (!downstream.isActive()) {
                upstream.close();
                return;
              }
              if (counted()) {
                connection();
              }
              while (!pending.isEmpty()) {
                channelRead(ctx, pending.poll());
              }
              upstream.flush();
              ctx.pipeline().replace(this, "tcp-relay", new ByteRelay(upstream, received(), true));
              if (inputEnded || (downstream instanceof DuplexChannel d && d.isInputShutdown())) {
                ByteRelay.inputEnded(downstream, upstream, true);
              }
              ByteRelay.resumeReading(downstream);
            });
  }

  /** What counts bytes sent to the client: the TCP connection, or nothing for a container's. */
  private java.util.function.LongConsumer sent() {
    return counted() ? n -> connection().addBytes(n, 0) : n -> {};
  }

  private java.util.function.LongConsumer received() {
    return counted() ? n -> connection().addBytes(0, n) : n -> {};
  }

  private TcpConnection connection() {
    if (connection == null) {
      connection = opened(0);
    }
    return connection;
  }

  private TcpConnection opened(int flags) {
    InboundTraffic traffic = new InboundTraffic(port.engine().context(), peer);
    return port.engine()
        .context()
        .metrics()
        .tcpConnection(
            traffic.tcpEdge(source).series(),
            flags,
            "inbound|" + port.declared().getPort() + "||",
            port.application().getHostString() + ":" + port.application().getPort());
  }

  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    if (counted()) {
      port.engine().end();
    }
    if (connection != null) {
      connection.closed(0, 0);
    }
    while (!pending.isEmpty()) {
      ReferenceCountUtil.release(pending.poll());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (upstream == null) {
      pending.add(msg);
      return;
    }
    if (counted() && msg instanceof ByteBuf buf) {
      connection().addBytes(0, buf.readableBytes());
    }
    upstream.write(msg, upstream.voidPromise());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The client finished sending before the application answered the connect.
      inputEnded = true;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (upstream != null) {
      ByteRelay.closeOnFlush(upstream);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
