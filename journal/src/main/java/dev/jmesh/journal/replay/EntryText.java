package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalEntry;
import dev.jmesh.journal.JournalHeader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** How {@code print} shows an entry: one text line close to Istio's access log, or JSON. */
final class EntryText {

  private EntryText() {}

  /**
   * {@code 2026-11-30T10:00:00.123Z destination http "GET reviews:9080/reviews/1" 200 - 12ms
   * upstream=11ms productpage-v1.default -> reviews-v2.default route=default ...}
   */
  static String text(JournalEntry e, boolean headers) {
    StringBuilder s = new StringBuilder(256);
    s.append(Instant.ofEpochMilli(e.startEpochMillis()))
        .append(' ')
        .append(e.reporter().label())
        .append(' ')
        .append(e.protocol().label());
    if (e.method() != null) {
      s.append(" \"").append(e.method()).append(' ').append(dash(e.authority()));
      s.append(dash(e.path())).append('"');
    }
    s.append(' ').append(e.responseCode());
    if (e.grpcStatus() >= 0) {
      s.append(" grpc=").append(e.grpcStatus());
    }
    s.append(' ').append(e.responseFlagsText());
    s.append(' ').append(millis(e.durationNanos())).append("ms");
    if (e.upstreamNanos() >= 0) {
      s.append(" upstream=").append(millis(e.upstreamNanos())).append("ms");
    }
    s.append(' ')
        .append(dash(e.sourceWorkload()))
        .append('.')
        .append(dash(e.sourceNamespace()))
        .append(" -> ")
        .append(dash(e.destinationWorkload()))
        .append('.')
        .append(dash(e.destinationNamespace()));
    s.append(" service=").append(dash(e.destinationService()));
    s.append(" route=").append(dash(e.route()));
    s.append(" cluster=").append(dash(e.cluster()));
    s.append(" host=").append(dash(e.upstreamHost()));
    s.append(" bytes=").append(e.bytesReceived()).append('/').append(e.bytesSent());
    s.append(" id=").append(dash(e.requestId()));
    s.append(" trace=").append(dash(e.traceId()));
    if (headers) {
      appendHeaders(s, " >", e.requestHeaders());
      appendHeaders(s, " <", e.responseHeaders());
    }
    return s.toString();
  }

  static String json(JournalEntry e, boolean headers) {
    JsonLine j =
        new JsonLine()
            .field("start_time", Instant.ofEpochMilli(e.startEpochMillis()).toString())
            .field("reporter", e.reporter().label())
            .field("protocol", e.protocol().label())
            .field("duration_ms", millis(e.durationNanos()))
            .field("upstream_ms", e.upstreamNanos() < 0 ? Double.NaN : millis(e.upstreamNanos()))
            .field("source_workload", e.sourceWorkload())
            .field("source_namespace", e.sourceNamespace())
            .field("source_principal", e.sourcePrincipal())
            .field("destination_workload", e.destinationWorkload())
            .field("destination_namespace", e.destinationNamespace())
            .field("destination_principal", e.destinationPrincipal())
            .field("destination_service", e.destinationService())
            .field("route", e.route())
            .field("cluster", e.cluster())
            .field("upstream_host", e.upstreamHost())
            .field("method", e.method())
            .field("authority", e.authority())
            .field("path", e.path())
            .field("response_code", e.responseCode())
            .field("grpc_status", e.grpcStatus())
            .field("response_flags", e.responseFlagsText())
            .field("bytes_received", e.bytesReceived())
            .field("bytes_sent", e.bytesSent())
            .field("request_id", e.requestId())
            .field("trace_id", e.traceId())
            .field("connection_security_policy", e.securityPolicy());
    if (headers) {
      j.raw("request_headers", headersJson(e.requestHeaders()));
      j.raw("response_headers", headersJson(e.responseHeaders()));
      j.field("request_body", new String(e.requestBody(), StandardCharsets.UTF_8));
      j.field("response_body", new String(e.responseBody(), StandardCharsets.UTF_8));
    }
    return j.toString();
  }

  private static String headersJson(List<JournalHeader> headers) {
    StringBuilder s = new StringBuilder("[");
    for (JournalHeader h : headers) {
      if (s.length() > 1) {
        s.append(',');
      }
      s.append('[');
      JsonLine.quote(s, h.name());
      s.append(',');
      JsonLine.quote(s, h.value());
      s.append(']');
    }
    return s.append(']').toString();
  }

  private static void appendHeaders(StringBuilder s, String mark, List<JournalHeader> headers) {
    for (JournalHeader h : headers) {
      s.append(mark).append(h.name()).append(": ").append(h.value());
    }
  }

  static double millis(long nanos) {
    return Math.round(nanos / 1_000.0) / 1_000.0;
  }

  private static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}
