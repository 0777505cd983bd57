package dev.jmesh.proxy;

import dev.jmesh.dataplane.engine.EngineLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;

/**
 * Opens the proxy's side of an outbound connection, on the event loop of the connection it serves
 * (so the two never need a lock), reading only once the caller says so.
 */
final class UpstreamDialer {

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  private final EngineLoops loops;

  UpstreamDialer(EngineLoops loops) {
    this.loops = loops;
  }

  ChannelFuture dial(EventLoop loop, InetSocketAddress address, ChannelHandler handler) {
    return new Bootstrap()
        .group(loop)
        .channel(loops.channel())
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .handler(handler)
        .connect(address);
  }

  /**
   * Dials {@code address} for {@code local} and relays the two byte for byte once connected, taking
   * {@code waiting} (the handler that waited for the dial) out of {@code local}'s pipeline. A
   * failed dial closes {@code local} after telling {@code failed} why; a {@code local} gone
   * meanwhile closes the new connection.
   */
  void relay(
      Channel local,
      ChannelHandler waiting,
      InetSocketAddress address,
      java.util.function.Consumer<Throwable> failed) {
    dial(local.eventLoop(), address, empty())
        .addListener(
            f -> {
              Channel remote = ((ChannelFuture) f).channel();
              if (!f.isSuccess()) {
                failed.accept(f.cause());
                local.close();
                return;
              }
              if (!local.isActive()) {
                remote.close();
                return;
              }
              local.pipeline().remove(waiting);
              ByteRelay.join(local, remote);
            });
  }

  /** A handler that adds nothing: the caller fills the pipeline once connected. */
  static ChannelHandler empty() {
    return new io.netty.channel.ChannelInboundHandlerAdapter();
  }

  static boolean usable(Channel ch) {
    return ch != null && ch.isActive();
  }
}
