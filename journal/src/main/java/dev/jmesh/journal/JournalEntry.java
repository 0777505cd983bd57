package dev.jmesh.journal;

import java.util.List;

/**
 * One journal entry as read back: what one request or TCP connection did. Immutable but for the
 * body arrays, which the reader hands over and never touches again.
 *
 * @param formatVersion the journal format version the entry was written in
 * @param index Chronicle's index of the entry in its queue (cycle and sequence)
 * @param upstreamNanos {@link JournalRecord#NO_UPSTREAM_TIME} when no upstream was reached
 * @param grpcStatus {@link JournalRecord#NO_GRPC_STATUS} when the call carried none
 * @param requestHeadersOmitted headers past the per-direction limit, counted but not kept
 * @param requestBodyLength the body's length before the cap; more than the kept bytes when cut
 */
public record JournalEntry(
    int formatVersion,
    long index,
    JournalReporter reporter,
    JournalProtocol protocol,
    long startEpochMillis,
    long durationNanos,
    long upstreamNanos,
    String sourceWorkload,
    String sourceNamespace,
    String sourcePrincipal,
    String destinationWorkload,
    String destinationNamespace,
    String destinationPrincipal,
    String destinationService,
    String route,
    String cluster,
    String upstreamHost,
    String method,
    String authority,
    String path,
    String requestId,
    String traceId,
    String securityPolicy,
    int responseCode,
    int grpcStatus,
    int responseFlags,
    long bytesReceived,
    long bytesSent,
    List<JournalHeader> requestHeaders,
    int requestHeadersOmitted,
    List<JournalHeader> responseHeaders,
    int responseHeadersOmitted,
    byte[] requestBody,
    long requestBodyLength,
    byte[] responseBody,
    long responseBodyLength) {

  /** The duration in whole milliseconds, rounded down, as Istio's duration histogram takes it. */
  public long durationMillis() {
    return durationNanos / 1_000_000L;
  }

  /** The flags as Envoy prints them: {@code UT,URX}, or {@code -}. */
  public String responseFlagsText() {
    return ResponseFlagNames.text(responseFlags);
  }

  /** The service the entry counts under: the destination service, else the workload. */
  public String serviceOrWorkload() {
    if (destinationService != null && !destinationService.isEmpty()) {
      return destinationService;
    }
    return destinationWorkload == null ? "unknown" : destinationWorkload;
  }

  /**
   * Whether the request failed as the summary and the success-rate dashboards count it: a 5xx, no
   * response at all, a non-OK gRPC status, or a TCP connection that ended with a response flag.
   */
  public boolean failed() {
    if (protocol == JournalProtocol.TCP) {
      return responseFlags != 0;
    }
    if (grpcStatus > 0) {
      return true;
    }
    return responseCode >= 500 || responseCode == 0;
  }
}
