package dev.jmesh.controlplane.internal.http;

import java.time.Duration;

/**
 * What the debug HTTP port tolerates from a client before it closes the connection.
 *
 * @param requestHeadTimeout a request's head must be complete this long after its first byte (or,
 *     on a new connection, after accept), whether or not bytes keep trickling in: slowloris
 * @param idleTimeout a kept-alive connection with no request in progress is closed after this
 * @param maxConnections connections beyond this are closed as soon as they are accepted
 * @param maxRequestLineBytes a longer request line is answered 414
 * @param maxHeaderBytes longer headers are answered 431
 */
public record DebugHttpLimits(
    Duration requestHeadTimeout,
    Duration idleTimeout,
    int maxConnections,
    int maxRequestLineBytes,
    int maxHeaderBytes) {

  /**
   * 10 s for a head, like the control plane's other ports' handshake timeout; a minute of idleness;
   * 1,024 connections, far more than the scrapers and operators a debug port has, and few enough
   * that a flood cannot take the process's descriptors; Netty's 8 KiB of headers.
   */
  public static final DebugHttpLimits DEFAULT =
      new DebugHttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), 1024, 8192, 8192);

  public DebugHttpLimits {
    if (requestHeadTimeout.isNegative() || requestHeadTimeout.isZero()
        || idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("debug HTTP timeouts must be positive: " + this);
    }
    if (maxConnections < 1 || maxRequestLineBytes < 64 || maxHeaderBytes < 64) {
      throw new IllegalArgumentException(
          "debug HTTP limits too small (at least 1 connection, 64-byte lines and headers): "
              + this);
    }
  }
}
