package dev.jmesh.dataplane.engine.outbound;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What the pool knows of one upstream connection: how many requests it has carried, and since when
 * it has carried none. Touched only by the connection's own event loop.
 */
final class ConnectionUse {

  private static final AttributeKey<ConnectionUse> KEY =
      AttributeKey.valueOf(ConnectionUse.class, "use");

  /** Requests sent on it (HTTP/1.1) or streams opened on it (HTTP/2). */
  long requests;

  /** HTTP/2 streams open on it now. */
  int openStreams;

  /** When it last became idle ({@link System#nanoTime()}); 0 while a request is in flight. */
  long idleSince;

  /** An HTTP/2 connection that takes no new streams; it closes when its last one ends. */
  boolean retired;

  static ConnectionUse attachTo(Channel c) {
    ConnectionUse use = new ConnectionUse();
    c.attr(KEY).set(use);
    return use;
  }

  static ConnectionUse of(Channel c) {
    return c.attr(KEY).get();
  }
}
