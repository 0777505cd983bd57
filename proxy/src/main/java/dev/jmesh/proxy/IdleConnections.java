package dev.jmesh.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection to one of the proxy's listeners that has moved no bytes for the
 * engine's {@code idleTimeout}, as the engine closes its own: an application that leaves kept-alive
 * connections open forever must not hold the proxy's resources forever.
 */
final class IdleConnections extends ChannelInboundHandlerAdapter {

  private IdleConnections() {}

  /** Adds the idle check first in {@code pipeline}; a zero timeout means none. */
  static void install(ChannelPipeline pipeline, Duration idleTimeout) {
    if (idleTimeout.isZero() || idleTimeout.isNegative()) {
      return;
    }
    pipeline.addFirst("idle-close", new IdleConnections());
    pipeline.addFirst(
        "idle", new IdleStateHandler(0, 0, idleTimeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** Takes out what {@link #install} added, for a connection the engine serves from now on. */
  static void uninstall(ChannelPipeline pipeline) {
    if (pipeline.get("idle-close") != null) {
      pipeline.remove("idle-close");
      pipeline.remove("idle");
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }
}
