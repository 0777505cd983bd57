package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalEntry;
import dev.jmesh.journal.JournalReporter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entries as OTLP spans in OTLP/HTTP's JSON encoding ({@code ExportTraceServiceRequest}): one
 * resource per reporting workload, a server span for an inbound entry and a client span for an
 * outbound one, with the mesh attributes. The entry's trace id is kept, so exported spans join the
 * traces the collector did receive; the span id is derived from the entry's journal index.
 */
final class OtlpSpans {

  private static final int KIND_SERVER = 2;
  private static final int KIND_CLIENT = 3;

  private final Map<String, List<String>> spansByWorkload = new LinkedHashMap<>();
  private long count;

  void add(JournalEntry e) {
    boolean inbound = e.reporter() == JournalReporter.DESTINATION;
    String workload = inbound ? e.destinationWorkload() : e.sourceWorkload();
    long startNanos = e.startEpochMillis() * 1_000_000L;
    JsonLine span =
        new JsonLine()
            .field("traceId", traceId(e))
            .field("spanId", String.format("%016x", mix(e.index() ^ (inbound ? 1 : 2))))
            .field(
                "name",
                (e.method() == null ? e.protocol().label() : e.method())
                    + " "
                    + (e.route() == null ? "-" : e.route()))
            .field("kind", inbound ? KIND_SERVER : KIND_CLIENT)
            .field("startTimeUnixNano", Long.toString(startNanos))
            .field("endTimeUnixNano", Long.toString(startNanos + e.durationNanos()))
            .raw("attributes", attributes(e))
            .raw("status", e.failed() ? "{\"code\":2}" : "{\"code\":0}");
    spansByWorkload
        .computeIfAbsent(workload == null ? "unknown" : workload, k -> new ArrayList<>())
        .add(span.toString());
    count++;
  }

  long count() {
    return count;
  }

  String json() {
    StringBuilder s = new StringBuilder("{\"resourceSpans\":[");
    boolean first = true;
    for (Map.Entry<String, List<String>> r : spansByWorkload.entrySet()) {
      if (!first) {
        s.append(',');
      }
      first = false;
      s.append("{\"resource\":{\"attributes\":[")
          .append(attribute("service.name", r.getKey()))
          .append("]},\"scopeSpans\":[{\"scope\":{\"name\":\"jmesh.journal\"},\"spans\":[")
          .append(String.join(",", r.getValue()))
          .append("]}]}");
    }
    return s.append("]}").toString();
  }

  private static String attributes(JournalEntry e) {
    List<String> a = new ArrayList<>();
    a.add(attribute("http.request.method", e.method()));
    a.add(attribute("url.path", e.path()));
    a.add(attribute("server.address", e.authority()));
    a.add(intAttribute("http.response.status_code", e.responseCode()));
    a.add(attribute("istio.source_workload", e.sourceWorkload()));
    a.add(attribute("istio.source_namespace", e.sourceNamespace()));
    a.add(attribute("istio.source_principal", e.sourcePrincipal()));
    a.add(attribute("istio.destination_workload", e.destinationWorkload()));
    a.add(attribute("istio.destination_namespace", e.destinationNamespace()));
    a.add(attribute("istio.destination_principal", e.destinationPrincipal()));
    a.add(attribute("istio.destination_service", e.destinationService()));
    a.add(attribute("istio.route", e.route()));
    a.add(attribute("istio.cluster", e.cluster()));
    a.add(attribute("istio.upstream_host", e.upstreamHost()));
    a.add(attribute("istio.response_flags", e.responseFlagsText()));
    a.add(attribute("guid:x-request-id", e.requestId()));
    a.removeIf(String::isEmpty);
    return "[" + String.join(",", a) + "]";
  }

  private static String attribute(String key, String value) {
    if (value == null) {
      return "";
    }
    StringBuilder s = new StringBuilder("{\"key\":");
    JsonLine.quote(s, key);
    s.append(",\"value\":{\"stringValue\":");
    JsonLine.quote(s, value);
    return s.append("}}").toString();
  }

  private static String intAttribute(String key, long value) {
    StringBuilder s = new StringBuilder("{\"key\":");
    JsonLine.quote(s, key);
    return s.append(",\"value\":{\"intValue\":\"").append(value).append("\"}}").toString();
  }

  /** The entry's trace id when it is one (32 hex digits), else one derived from the entry. */
  static String traceId(JournalEntry e) {
    String t = e.traceId();
    if (t != null && t.matches("[0-9a-fA-F]{32}") && !t.matches("0+")) {
      return t.toLowerCase();
    }
    long seed = e.requestId() == null ? e.index() : e.requestId().hashCode() * 31L + e.index();
    return String.format("%016x%016x", mix(seed), mix(seed + 1));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    long r = z ^ (z >>> 31);
    return r == 0 ? 1 : r;
  }
}
