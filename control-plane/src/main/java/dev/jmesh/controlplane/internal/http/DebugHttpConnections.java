package dev.jmesh.controlplane.internal.http;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The debug port's connections: the cap on how many are open, and why the server closed the ones
 * it closed, for {@code /metrics}. A flood shows up here before it shows up anywhere else.
 */
final class DebugHttpConnections {

  enum Closed {
    /** Accepted beyond {@link DebugHttpLimits#maxConnections}. */
    CONNECTION_LIMIT("connection_limit"),
    /** No complete request head within {@link DebugHttpLimits#requestHeadTimeout}. */
    HEAD_TIMEOUT("request_head_timeout"),
    /** Kept alive with no request for {@link DebugHttpLimits#idleTimeout}. */
    IDLE_TIMEOUT("idle_timeout"),
    /** A request line or headers over the limits, or a head that is not HTTP/1. */
    BAD_REQUEST("bad_request");

    final String label;

    Closed(String label) {
      this.label = label;
    }
  }

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder[] closed = new LongAdder[Closed.values().length];

  DebugHttpConnections(int max) {
    this.max = max;
    for (int i = 0; i < closed.length; i++) {
      closed[i] = new LongAdder();
    }
  }

  /** Takes {@code channel} if there is room; otherwise closes it at once and counts it. */
  boolean admit(Channel channel) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      closed(Closed.CONNECTION_LIMIT);
      channel.close();
      return false;
    }
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  void closed(Closed why) {
    closed[why.ordinal()].increment();
  }

  int open() {
    return open.get();
  }

  long closedFor(Closed why) {
    return closed[why.ordinal()].sum();
  }

  /** Prometheus lines for {@code /metrics}. */
  String metrics() {
    StringBuilder sb =
        new StringBuilder("# TYPE jmesh_debug_http_connections gauge\njmesh_debug_http_connections ")
            .append(open.get())
            .append("\n# TYPE jmesh_debug_http_connections_closed_total counter\n");
    for (Closed why : Closed.values()) {
      sb.append("jmesh_debug_http_connections_closed_total{reason=\"")
          .append(why.label)
          .append("\"} ")
          .append(closedFor(why))
          .append('\n');
    }
    return sb.toString();
  }
}
