package dev.jmesh.dataplane.engine;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has moved no bytes either way for the idle timeout (Envoy's {@code
 * idle_timeout}). Netty's {@code IdleStateHandler} does the same, but it puts a listener on every
 * write's promise (so no write past it can use a void promise) and reads the clock per message;
 * this handler notes the time once per read batch and once per flush, and keeps one scheduled check
 * per connection that, finding recent traffic, reschedules itself for the time left.
 *
 * <pre>{@code
 * pipeline.addLast("idle", new ConnectionIdle(Duration.ofHours(1)));
 * }</pre>
 */
public final class ConnectionIdle extends ChannelDuplexHandler {

  private final long timeoutNanos;
  private final Runnable check = this::check;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> task;
  private long lastTraffic;
  private boolean stopped;

  /** {@code timeout} zero or negative: never closes. */
  public ConnectionIdle(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
      start();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stop();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastTraffic = now();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    lastTraffic = now();
    ctx.flush();
  }

  private void start() {
    if (task != null || stopped || timeoutNanos <= 0) {
      return;
    }
    lastTraffic = now();
    task = ctx.executor().schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void stop() {
    stopped = true;
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }

  private void check() {
    task = null;
    if (stopped || !ctx.channel().isOpen()) {
      return;
    }
    long quiet = now() - lastTraffic;
    if (quiet >= timeoutNanos) {
      ctx.close();
      return;
    }
    task = ctx.executor().schedule(check, timeoutNanos - quiet, TimeUnit.NANOSECONDS);
  }

  private long now() {
    // The loop's own clock: the one its scheduled tasks run by (and a test's embedded loop moves).
    return ctx.executor().ticker().nanoTime();
  }
}
