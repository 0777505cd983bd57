package dev.jmesh.dataplane.engine.inbound;

import java.time.Duration;

/**
 * The limits the inbound engine holds every downstream connection to, with Envoy's defaults for a
 * sidecar's inbound listener.
 *
 * @param maxRequestHeadersBytes the request line and headers together; more is answered 431
 * @param maxRequestHeaders header fields per request; more is answered 431
 * @param requestHeadersTimeout from a request's first byte to its last header (slowloris): 408 and
 *     close
 * @param idleTimeout a connection with no traffic either way this long is closed
 * @param maxRequestBodyBytes a request body larger than this is refused with 413 (reset when the
 *     response has already begun); 0 means unlimited
 * @param protocolDetectionTimeout how long PERMISSIVE waits for a client's first bytes before it
 *     treats the connection as plaintext and lets the application speak first
 * @param drainGrace how long a drain waits for in-flight requests
 * @param tlsHandshakeTimeout from the start of a mutual-TLS handshake to its end; a client that
 *     sends a ClientHello and never finishes is closed after this (Envoy's {@code
 *     transport_socket_connect_timeout})
 */
public record InboundLimits(
    int maxRequestHeadersBytes,
    int maxRequestHeaders,
    Duration requestHeadersTimeout,
    Duration idleTimeout,
    long maxRequestBodyBytes,
    Duration protocolDetectionTimeout,
    Duration drainGrace,
    Duration tlsHandshakeTimeout) {

  public static final InboundLimits DEFAULTS =
      new InboundLimits(
          60 * 1024,
          100,
          Duration.ofSeconds(10),
          Duration.ofHours(1),
          1L << 30,
          Duration.ofSeconds(5),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10));

  public InboundLimits {
    if (maxRequestHeadersBytes <= 0 || maxRequestHeaders <= 0 || maxRequestBodyBytes < 0) {
      throw new IllegalArgumentException("inbound limits must be positive: " + maxRequestHeaders);
    }
    if (tlsHandshakeTimeout.isNegative() || tlsHandshakeTimeout.isZero()) {
      throw new IllegalArgumentException(
          "tlsHandshakeTimeout must be positive: " + tlsHandshakeTimeout);
    }
  }

  public InboundLimits withRequestHeadersTimeout(Duration value) {
    return new InboundLimits(
        maxRequestHeadersBytes,
        maxRequestHeaders,
        value,
        idleTimeout,
        maxRequestBodyBytes,
        protocolDetectionTimeout,
        drainGrace,
        tlsHandshakeTimeout);
  }

  public InboundLimits withIdleTimeout(Duration value) {
    return new InboundLimits(
        maxRequestHeadersBytes,
        maxRequestHeaders,
        requestHeadersTimeout,
        value,
        maxRequestBodyBytes,
        protocolDetectionTimeout,
        drainGrace,
        tlsHandshakeTimeout);
  }

  public InboundLimits withMaxRequestBodyBytes(long value) {
    return new InboundLimits(
        maxRequestHeadersBytes,
        maxRequestHeaders,
        requestHeadersTimeout,
        idleTimeout,
        value,
        protocolDetectionTimeout,
        drainGrace,
        tlsHandshakeTimeout);
  }

  public InboundLimits withProtocolDetectionTimeout(Duration value) {
    return new InboundLimits(
        maxRequestHeadersBytes,
        maxRequestHeaders,
        requestHeadersTimeout,
        idleTimeout,
        maxRequestBodyBytes,
        value,
        drainGrace,
        tlsHandshakeTimeout);
  }

  public InboundLimits withTlsHandshakeTimeout(Duration value) {
    return new InboundLimits(
        maxRequestHeadersBytes,
        maxRequestHeaders,
        requestHeadersTimeout,
        idleTimeout,
        maxRequestBodyBytes,
        protocolDetectionTimeout,
        drainGrace,
        value);
  }

  /** Whether a body of {@code bytes} is over the limit. */
  boolean bodyTooLarge(long bytes) {
    return maxRequestBodyBytes > 0 && bytes > maxRequestBodyBytes;
  }
}
