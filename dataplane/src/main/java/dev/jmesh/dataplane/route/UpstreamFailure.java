package dev.jmesh.dataplane.route;

/**
 * How an attempt failed before a complete response arrived, in the terms Envoy's retry policy and
 * response flags use.
 */
public enum UpstreamFailure {
  /** A response arrived; its status decides. */
  NONE,
  /** The connection could not be made, or its connect timeout passed (flag UF). */
  CONNECT_FAILURE,
  /** The connection or stream was reset or closed before the response completed (flag UR/UC). */
  RESET,
  /** An HTTP/2 peer refused the stream ({@code REFUSED_STREAM}): it did not process it. */
  REFUSED_STREAM,
  /** The route's {@code per_try_timeout} passed (flag UT on the last attempt). */
  PER_TRY_TIMEOUT
}
