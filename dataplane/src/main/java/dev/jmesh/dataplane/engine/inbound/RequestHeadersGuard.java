package dev.jmesh.dataplane.engine.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Sits before the HTTP/1 decoder and watches the raw bytes of each request's head, for what the
 * decoder does not refuse on its own: obsolete line folding (a header line starting with a space or
 * tab, which Netty would silently join) and a head that trickles in too slowly (slowloris). The
 * timer starts at a request's first byte; when it fires, {@link #TIMEOUT} goes down the pipeline.
 *
 * <p>Only the head of the request being read is scanned: a request pipelined in the same read as
 * the previous one's body is not. Used on the connection's event loop only.
 */
final class RequestHeadersGuard extends ChannelInboundHandlerAdapter {

  /** The user event fired when a request's head did not arrive in time. */
  static final Object TIMEOUT = new Object();

  private final long timeoutNanos;
  private ScheduledFuture<?> timer;
  private boolean scanning = true;
  private boolean lineStart = true;
  private boolean sawLine;
  private boolean obsFold;

  RequestHeadersGuard(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (scanning && msg instanceof ByteBuf buf && buf.isReadable()) {
      if (timer == null && timeoutNanos > 0) {
        timer =
            ctx.executor()
                .schedule(
                    () -> ctx.fireUserEventTriggered(TIMEOUT), timeoutNanos, TimeUnit.NANOSECONDS);
      }
      scan(buf);
    }
    ctx.fireChannelRead(msg);
  }

  private void scan(ByteBuf buf) {
    for (int i = buf.readerIndex(), end = buf.writerIndex(); i < end && scanning; i++) {
      byte b = buf.getByte(i);
      if (b == '\n') {
        if (lineStart && sawLine) {
          scanning = false; // the empty line: the head is complete
        }
        lineStart = true;
      } else if (b != '\r') {
        if (lineStart && sawLine && (b == ' ' || b == '\t')) {
          obsFold = true;
        }
        lineStart = false;
        sawLine = true;
      }
    }
  }

  /** Whether the request just decoded folded a header line. */
  boolean obsFold() {
    return obsFold;
  }

  /** The request's head was decoded: it came in time. */
  void headDecoded() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    scanning = false;
  }

  /** The request ended: the next bytes begin another one. */
  void nextRequest() {
    headDecoded();
    scanning = true;
    lineStart = true;
    sawLine = false;
    obsFold = false;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    headDecoded();
    super.channelInactive(ctx);
  }
}
