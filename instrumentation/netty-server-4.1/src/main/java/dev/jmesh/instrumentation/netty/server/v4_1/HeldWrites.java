package dev.jmesh.instrumentation.netty.server.v4_1;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * What the application wrote before the mesh opened its connection: a server that speaks first (an
 * HTTP/2 server's SETTINGS, sent as soon as its handler joins an active channel, before any {@code
 * channelActive}) must not reach the client before the transport is settled, or in the clear on a
 * TLS connection. Held in order, then written from the handler that releases them.
 */
final class HeldWrites {

  private final ArrayDeque<Object> queue = new ArrayDeque<>(4);

  void add(Object msg, ChannelPromise promise) {
    queue.add(msg);
    queue.add(promise);
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Moves every held write to {@code into}, keeping the order. */
  void moveTo(HeldWrites into) {
    into.queue.addAll(queue);
    queue.clear();
  }

  /** Writes them from {@code ctx} (toward the head) and flushes. */
  void writeFrom(ChannelHandlerContext ctx) {
    if (queue.isEmpty()) {
      return;
    }
    for (Object msg; (msg = queue.poll()) != null; ) {
      ctx.write(msg, (ChannelPromise) queue.poll());
    }
    ctx.flush();
  }

  /** The connection closed before it opened: the writes fail and their buffers are released. */
  void discard() {
    for (Object msg; (msg = queue.poll()) != null; ) {
      ChannelPromise promise = (ChannelPromise) queue.poll();
      ReferenceCountUtil.safeRelease(msg);
      promise.tryFailure(new ClosedChannelException());
    }
  }
}
