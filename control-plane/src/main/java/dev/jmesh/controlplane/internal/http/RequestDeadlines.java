package dev.jmesh.controlplane.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a debug connection that holds the server without asking anything of it. It sits before
 * the HTTP codec, where it sees raw bytes, and {@link DebugRequestHandler} tells it when a head is
 * complete and when a response is out:
 *
 * <ul>
 *   <li>from accept, or from the first byte of a kept-alive connection's next request, the head
 *       must be complete within the request head timeout, however slowly the bytes trickle in
 *       (slowloris); else the connection closes, after a 408 if part of a head was sent;
 *   <li>between a response and the next request's first byte the idle timeout runs;
 *   <li>while a request is being answered, neither.
 * </ul>
 *
 * <p>All state is touched on the channel's event loop only.
 */
final class RequestDeadlines extends ChannelInboundHandlerAdapter {

  private static final byte[] REQUEST_TIMEOUT =
      ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nConnection: close\r\n"
              + "Content-Length: 47\r\n\r\n"
              + "the request head did not arrive in time; retry\n")
          .getBytes(StandardCharsets.US_ASCII);

  private final DebugHttpLimits limits;
  private final DebugHttpConnections connections;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> deadline;
  private DebugHttpConnections.Closed armedFor;
  private boolean awaitingHead = true;
  private boolean headStarted;

  RequestDeadlines(DebugHttpLimits limits, DebugHttpConnections connections) {
    this.limits = limits;
    this.connections = connections;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    arm(limits.requestHeadTimeout(), DebugHttpConnections.Closed.HEAD_TIMEOUT);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (awaitingHead && !headStarted && msg instanceof ByteBuf b && b.isReadable()) {
      headStarted = true;
      if (armedFor == DebugHttpConnections.Closed.IDLE_TIMEOUT) {
        arm(limits.requestHeadTimeout(), DebugHttpConnections.Closed.HEAD_TIMEOUT);
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  /** The codec has a whole request head: no deadline while it is answered. */
  void headComplete() {
    awaitingHead = false;
    cancel();
  }

  /** The response is written and the connection stays open for a next request. */
  void awaitNextRequest() {
    awaitingHead = true;
    headStarted = false;
    arm(limits.idleTimeout(), DebugHttpConnections.Closed.IDLE_TIMEOUT);
  }

  private void arm(Duration after, DebugHttpConnections.Closed why) {
    cancel();
    armedFor = why;
    deadline = ctx.executor().schedule(() -> expire(why), after.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
      armedFor = null;
    }
  }

  private void expire(DebugHttpConnections.Closed why) {
    deadline = null;
    armedFor = null;
    if (!ctx.channel().isOpen()) {
      return;
    }
    connections.closed(why);
    if (headStarted) {
      // Written from here, before the codec: the codec holds half a request it cannot answer.
      // Closed right after, not once written: a peer that reads nothing must not keep it open.
      ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT));
    }
    ctx.close();
  }
}
