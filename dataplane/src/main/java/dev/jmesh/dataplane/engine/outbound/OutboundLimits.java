package dev.jmesh.dataplane.engine.outbound;

import java.time.Duration;

/**
 * The outbound engine's limits, with Envoy's defaults.
 *
 * @param connectTimeout how long an upstream connect may take when the cluster does not say
 * @param idleTimeout a downstream connection with no traffic this long is closed (Envoy's {@code
 *     idle_timeout}, 1 h)
 * @param maxBufferedRequestBody a request body up to this size is kept to be replayed on a retry; a
 *     larger one streams and is not retried
 * @param maxRequestHeadersBytes the request line and headers together (Envoy's {@code
 *     max_request_headers_kb}, 60 KiB)
 * @param maxRequestHeaders how many request headers (Envoy's {@code max_headers_count}, 100)
 */
public record OutboundLimits(
    Duration connectTimeout,
    Duration idleTimeout,
    int maxBufferedRequestBody,
    int maxRequestHeadersBytes,
    int maxRequestHeaders) {

  public static final OutboundLimits DEFAULTS =
      new OutboundLimits(Duration.ofSeconds(10), Duration.ofHours(1), 64 * 1024, 60 * 1024, 100);

  public OutboundLimits {
    if (connectTimeout.isNegative() || idleTimeout.isNegative()) {
      throw new IllegalArgumentException("timeouts must not be negative");
    }
    if (maxBufferedRequestBody < 0 || maxRequestHeadersBytes < 1 || maxRequestHeaders < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }
}
