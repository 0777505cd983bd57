package dev.jmesh.dataplane.cluster;

import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import java.util.concurrent.TimeUnit;

/**
 * How long and how often the engine reuses one upstream connection of a cluster: the cluster's
 * {@code common_http_protocol_options}, which Istio fills from a DestinationRule's {@code
 * connectionPool.http.idleTimeout} and {@code maxRequestsPerConnection}.
 *
 * @param idleTimeoutNanos a pooled connection with no request in flight this long is closed; 0
 *     never closes it (Envoy: "set this to 0 to disable"); Envoy's default is one hour
 * @param maxRequestsPerConnection a connection that has carried this many requests is closed once
 *     its last one ends; 0 for no limit, 1 turns keep-alive off
 */
public record ConnectionReuse(long idleTimeoutNanos, long maxRequestsPerConnection) {

  /** Envoy's defaults: one hour idle, no request limit. */
  public static final ConnectionReuse DEFAULTS =
      new ConnectionReuse(TimeUnit.HOURS.toNanos(1), 0);

  public ConnectionReuse {
    if (idleTimeoutNanos < 0 || maxRequestsPerConnection < 0) {
      throw new IllegalArgumentException(
          "idle timeout and requests per connection must not be negative");
    }
  }

  /** The cluster's settings, Envoy's default for each one it leaves unset. */
  public static ConnectionReuse of(
      io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions options) {
    if (options == null || !options.hasCommonHttpProtocolOptions()) {
      return DEFAULTS;
    }
    HttpProtocolOptions common = options.getCommonHttpProtocolOptions();
    long idle =
        common.hasIdleTimeout()
            ? TimeUnit.SECONDS.toNanos(common.getIdleTimeout().getSeconds())
                + common.getIdleTimeout().getNanos()
            : DEFAULTS.idleTimeoutNanos;
    long max =
        common.hasMaxRequestsPerConnection()
            ? common.getMaxRequestsPerConnection().getValue()
            : DEFAULTS.maxRequestsPerConnection;
    if (idle == DEFAULTS.idleTimeoutNanos && max == DEFAULTS.maxRequestsPerConnection) {
      return DEFAULTS;
    }
    return new ConnectionReuse(idle, max);
  }

  /** Whether a connection that has now carried {@code requests} requests takes no more. */
  public boolean spent(long requests) {
    return maxRequestsPerConnection > 0 && requests >= maxRequestsPerConnection;
  }

  /** Whether idle connections are ever closed. */
  public boolean idleTimeoutEnabled() {
    return idleTimeoutNanos > 0;
  }
}
