package dev.jmesh.dataplane.engine;

import dev.jmesh.dataplane.stats.PrometheusText;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connections the engine has open to upstreams (HTTP pools and TCP proxying), for {@code
 * /stats/prometheus}, as Envoy's {@code upstream_cx_active} and {@code upstream_cx_total}. A count
 * that stays up after the upstreams hung, reset or went away is a leak. One count per process, as
 * there is one engine per process (the agent's or mesh-proxy's).
 */
public final class EngineUpstreamConnections {

  private static final AtomicLong OPEN = new AtomicLong();
  private static final LongAdder OPENED = new LongAdder();
  private static final LongAdder IDLE_TIMEOUTS = new LongAdder();
  private static final LongAdder MAX_REQUESTS = new LongAdder();

  /** Why the engine itself closed an upstream connection it could have reused. */
  public enum Retired {
    /** No request for the cluster's idle timeout (Envoy's {@code upstream_cx_idle_timeout}). */
    IDLE_TIMEOUT,
    /** Carried the cluster's requests per connection (Envoy's {@code upstream_cx_max_requests}). */
    MAX_REQUESTS
  }

  private EngineUpstreamConnections() {}

  /** Counts {@code connected} as open until its channel closes. */
  public static void opened(Channel connected) {
    OPEN.incrementAndGet();
    OPENED.increment();
    connected.closeFuture().addListener(f -> OPEN.decrementAndGet());
  }

  /** Counts a connection the engine closed for {@code why}. */
  public static void retired(Retired why) {
    (why == Retired.IDLE_TIMEOUT ? IDLE_TIMEOUTS : MAX_REQUESTS).increment();
  }

  public static long open() {
    return OPEN.get();
  }

  public static void writeTo(PrometheusText text) {
    text.header(
            "jmesh_engine_upstream_connections",
            "gauge",
            "Connections the engine has open to upstream endpoints now.")
        .sample("jmesh_engine_upstream_connections", OPEN.get());
    text.header(
            "jmesh_engine_upstream_connections_total",
            "counter",
            "Connections the engine has opened to upstream endpoints.")
        .sample("jmesh_engine_upstream_connections_total", OPENED.sum());
    text.header(
            "jmesh_engine_upstream_connections_retired_total",
            "counter",
            "Reusable upstream connections the engine closed: idle for the cluster's idle timeout,"
                + " or done with its requests per connection.")
        .sample(
            "jmesh_engine_upstream_connections_retired_total",
            IDLE_TIMEOUTS.sum(),
            "reason",
            "idle_timeout")
        .sample(
            "jmesh_engine_upstream_connections_retired_total",
            MAX_REQUESTS.sum(),
            "reason",
            "max_requests");
  }
}
