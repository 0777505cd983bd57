package dev.jmesh.dataplane.record;

import java.net.SocketAddress;

/**
 * A completed {@link RequestRecord}, frozen: safe to hand to another thread (the access log, the
 * journal's writer) while the original is reset for the next request. The request attributes are
 * the request's own values (header values, addresses), shared rather than copied: they are
 * immutable once received. {@code null} is a value the path did not know.
 */
public record RequestRecordSnapshot(
    TrafficLabels traffic,
    RequestProtocol protocol,
    String route,
    String cluster,
    String upstreamHost,
    String requestId,
    CharSequence method,
    CharSequence authority,
    CharSequence path,
    String protocolVersion,
    CharSequence userAgent,
    CharSequence forwardedFor,
    String responseCodeDetails,
    SocketAddress upstreamLocalAddress,
    SocketAddress downstreamLocalAddress,
    SocketAddress downstreamRemoteAddress,
    String requestedServerName,
    String peerPrincipal,
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
