package dev.jmesh.dataplane.config;

/**
 * The {@code circuit_breakers.thresholds} entry of the default routing priority, with Envoy's
 * defaults.
 *
 * @param maxConnections default 1024
 * @param maxPendingRequests default 1024
 * @param maxRequests default 1024
 * @param maxRetries default 3
 */
public record CircuitBreakerThresholds(
    long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries) {

  public static final CircuitBreakerThresholds DEFAULTS =
      new CircuitBreakerThresholds(1024, 1024, 1024, 3);
}
