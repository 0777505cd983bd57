package dev.jmesh.dataplane.engine.outbound;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.ArrayDeque;

/**
 * A request body on its way upstream, in one of two modes. Replayable: kept whole (it fits the
 * retry buffer limit) and written again on each attempt. Streaming: passed on as it arrives, with
 * what arrives before the upstream is connected held back (the caller stops reading past {@link
 * #pendingBytes()} of them). Reused per downstream connection; one event loop only.
 */
final class RequestBody {

  private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
  private boolean replayable;
  private CompositeByteBuf whole;
  private HttpHeaders trailers;
  private long pendingBytes;

  /** Starts a new request's body. */
  void reset(boolean replayable) {
    release();
    this.replayable = replayable;
  }

  boolean replayable() {
    return replayable;
  }

  /** Bytes held back until the upstream is there. */
  long pendingBytes() {
    return pendingBytes;
  }

  /**
   * Takes {@code part} (and its reference): kept for replay, written (not flushed) to {@code
   * upstream} when it is there ({@code null} otherwise), or held back. Whether it was written.
   */
  boolean add(HttpContent part, ByteBufAllocator alloc, Channel upstream) {
    if (replayable) {
      if (part.content().isReadable()) {
        if (whole == null) {
          whole = alloc.compositeBuffer(64);
        }
        whole.addComponent(true, part.content());
      } else {
        part.release();
      }
      if (part instanceof LastHttpContent last) {
        trailers = last.trailingHeaders();
      }
      return false;
    }
    if (upstream != null) {
      upstream.write(part, unwatched(upstream));
      return true;
    }
    pending.add(part);
    pendingBytes += part.content().readableBytes();
    return false;
  }

  /**
   * The promise for a write to {@code upstream} whose outcome nobody waits for (a failed write
   * closes the connection, which the exchange hears): a void one but on an HTTP/2 stream, whose
   * writes are kept to Netty's ordinary promises.
   */
  static ChannelPromise unwatched(Channel upstream) {
    return upstream instanceof Http2StreamChannel ? upstream.newPromise() : upstream.voidPromise();
  }

  /** Writes (without flushing) what an attempt sends after the head: all of it, or what waited. */
  void writeTo(Channel upstream, ByteBufAllocator alloc) {
    if (replayable) {
      HttpHeaders t = trailers == null ? EmptyHttpHeaders.INSTANCE : trailers;
      if (whole == null || !whole.isReadable()) {
        upstream.write(
            t.isEmpty()
                ? LastHttpContent.EMPTY_LAST_CONTENT
                : new DefaultLastHttpContent(alloc.buffer(0, 0), t),
            unwatched(upstream));
      } else {
        upstream.write(
            new DefaultLastHttpContent(whole.retainedDuplicate(), t), unwatched(upstream));
      }
      return;
    }
    HttpContent p;
    while ((p = pending.poll()) != null) {
      upstream.write(p, unwatched(upstream));
    }
    pendingBytes = 0;
  }

  /** Drops what is held back (the response is complete; the rest of the body goes nowhere). */
  void dropPending() {
    HttpContent p;
    while ((p = pending.poll()) != null) {
      p.release();
    }
    pendingBytes = 0;
  }

  /** Releases everything held. */
  void release() {
    if (whole != null) {
      whole.release();
      whole = null;
    }
    trailers = null;
    dropPending();
  }
}
