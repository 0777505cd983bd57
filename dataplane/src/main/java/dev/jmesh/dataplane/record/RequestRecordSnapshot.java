package dev.jmesh.dataplane.record;

/**
 * A completed {@link RequestRecord}, frozen: safe to hand to another thread (the access log, the
 * journal's writer) while the original is reset for the next request.
 */
public record RequestRecordSnapshot(
    TrafficLabels traffic,
    RequestProtocol protocol,
    String route,
    String cluster,
    String upstreamHost,
    String requestId,
    int responseCode,
    int grpcStatus,
    int responseFlags,
    long bytesReceived,
    long bytesSent,
    long startEpochMillis,
    long durationNanos,
    long upstreamNanos) {

  /** The flags as Envoy's access log prints them: {@code UT,URX}, or {@code -}. */
  public String responseFlagsText() {
    return ResponseFlags.toShortString(responseFlags);
  }

  public boolean hasFlag(ResponseFlag flag) {
    return flag.in(responseFlags);
  }
}
