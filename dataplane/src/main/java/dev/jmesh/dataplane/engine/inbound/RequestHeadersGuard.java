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
 * tab, which Netty would silently join), more than one {@code Host} line (RFC 9112 asks for 400:
 * the engine would route and record by the first, the application might read another) and a head
 * that trickles in too slowly (slowloris). The time allowed runs from a request's first byte; when
 * it is up, {@link #TIMEOUT} goes down the pipeline. One timer serves all the connection's
 * requests: it is not cancelled when a head arrives in time, and when it fires for a later head it
 * rearms for that head's time left, so a busy keep-alive connection schedules one task per timeout
 * period, not one per request.
 *
 * <p>Only the head of the request being read is scanned: a request pipelined in the same read as
 * the previous one's body is not (its folding and a second Host line go unseen). Used on the
 * connection's event loop only.
 */
final class RequestHeadersGuard extends ChannelInboundHandlerAdapter {

  /** The user event fired when a request's head did not arrive in time. */
  static final Object TIMEOUT = new Object();

  private static final byte[] HOST_COLON = {'h', 'o', 's', 't', ':'};

  private final long timeoutNanos;
  private final Runnable check = this::check;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;

  /** A head is being read, since {@link #headStarted} (the loop's clock). */
  private boolean awaitingHead;

  private long headStarted;
  private boolean scanning = true;
  private boolean lineStart = true;
  private boolean sawLine;
  private boolean obsFold;

  /** How much of {@code host:} the current header line began with; -1 once it cannot be Host. */
  private int hostMatched = -1;

  private int hostLines;

  RequestHeadersGuard(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (scanning && msg instanceof ByteBuf buf && buf.isReadable()) {
      if (!awaitingHead && timeoutNanos > 0) {
        awaitingHead = true;
        headStarted = now();
        if (timer == null) {
          timer = ctx.executor().schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
      }
      scan(buf);
    }
    ctx.fireChannelRead(msg);
  }

  private void check() {
    timer = null;
    if (!awaitingHead) {
      return; // the heads so far came in time; the next one's first byte arms the timer again
    }
    long left = headStarted + timeoutNanos - now();
    if (left > 0) {
      // A later head than the one the timer was armed for: it gets its own full time.
      timer = ctx.executor().schedule(check, left, TimeUnit.NANOSECONDS);
      return;
    }
    awaitingHead = false;
    ctx.fireUserEventTriggered(TIMEOUT);
  }

  private long now() {
    return ctx.executor().ticker().nanoTime();
  }

  private void scan(ByteBuf buf) {
    for (int i = buf.readerIndex(), end = buf.writerIndex(); i < end && scanning; i++) {
      byte b = buf.getByte(i);
      if (b == '\n') {
        if (lineStart && sawLine) {
          scanning = false; // the empty line: the head is complete
        }
        lineStart = true;
        hostMatched = sawLine ? 0 : -1; // header lines only, not the request line
      } else if (b != '\r') {
        if (lineStart && sawLine && (b == ' ' || b == '\t')) {
          obsFold = true;
        }
        if (hostMatched >= 0) {
          matchHost(b);
        }
        lineStart = false;
        sawLine = true;
      }
    }
  }

  /** One more byte of a header line that may still be {@code Host:} (case-insensitive). */
  private void matchHost(byte b) {
    // b | 0x20 folds an ASCII capital to lower case and leaves ':' as it is.
    if ((b | 0x20) == HOST_COLON[hostMatched]) {
      if (++hostMatched == HOST_COLON.length) {
        hostLines++;
        hostMatched = -1;
      }
    } else {
      hostMatched = -1;
    }
  }

  /** Whether the request just decoded has more than one {@code Host} header line. */
  boolean duplicateHost() {
    return hostLines > 1;
  }

  /** Whether the request just decoded folded a header line. */
  boolean obsFold() {
    return obsFold;
  }

  /** The request's head was decoded: it came in time (the timer stays armed for the next). */
  void headDecoded() {
    awaitingHead = false;
    scanning = false;
  }

  /** The request ended: the next bytes begin another one. */
  void nextRequest() {
    headDecoded();
    scanning = true;
    lineStart = true;
    sawLine = false;
    obsFold = false;
    hostMatched = -1;
    hostLines = 0;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stopTimer();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stopTimer();
  }

  private void stopTimer() {
    awaitingHead = false;
    scanning = false;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
