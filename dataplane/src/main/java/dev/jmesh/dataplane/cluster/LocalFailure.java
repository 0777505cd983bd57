package dev.jmesh.dataplane.cluster;

/**
 * A request that ended without a response from the host, Envoy's local-origin errors. Outlier
 * detection counts them as {@code consecutive_local_origin_failure}, or, unless {@code
 * split_external_local_origin_errors}, as gateway errors (503 or 504).
 */
public enum LocalFailure {
  /** The connection could not be established (Envoy's {@code UF}). */
  CONNECT_FAILED,
  /** The host did not answer in time (Envoy's {@code UT}); counted as a 504. */
  TIMEOUT,
  /** The connection was reset before a response (Envoy's {@code UR}). */
  RESET
}
