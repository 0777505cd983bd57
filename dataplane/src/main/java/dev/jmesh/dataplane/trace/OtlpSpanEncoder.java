package dev.jmesh.dataplane.trace;

import com.google.protobuf.ByteString;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestRecordSnapshot;
import dev.jmesh.dataplane.record.ResponseFlags;
import dev.jmesh.dataplane.record.WorkloadLabels;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spans as OTLP's {@code ExportTraceServiceRequest}: one resource per {@code service.name}, the
 * attributes Envoy's OpenTelemetry tracer writes for Istio ({@code node_id}, {@code
 * upstream_cluster}, {@code http.url}, {@code http.method}, {@code http.status_code}, {@code
 * response_flags}, {@code guid:x-request-id}...) plus the connection manager's literal tags. Runs
 * on the exporter thread only.
 */
final class OtlpSpanEncoder {

  static final String SCOPE = "jmesh";

  private OtlpSpanEncoder() {}

  static ExportTraceServiceRequest encode(List<FinishedSpan> spans, String nodeId) {
    Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();
    for (FinishedSpan s : spans) {
      byService
          .computeIfAbsent(
              serviceName(s),
              k ->
                  ScopeSpans.newBuilder()
                      .setScope(InstrumentationScope.newBuilder().setName(SCOPE)))
          .addSpans(span(s, nodeId));
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    byService.forEach(
        (service, scope) ->
            request.addResourceSpans(
                ResourceSpans.newBuilder()
                    .setResource(
                        Resource.newBuilder().addAttributes(string("service.name", service)))
                    .addScopeSpans(scope)));
    return request.build();
  }

  /** Istio's: {@code <canonical service>.<namespace>} of the workload that reports the span. */
  static String serviceName(FinishedSpan s) {
    String configured = s.tracing().serviceName();
    if (configured != null && !configured.isEmpty()) {
      return configured;
    }
    WorkloadLabels self =
        s.labels().reporter() == Reporter.SOURCE ? s.labels().source() : s.labels().destination();
    return self.canonicalService() + "." + self.namespace();
  }

  static Span span(FinishedSpan s, String nodeId) {
    RequestRecordSnapshot r = s.record();
    boolean server = s.labels().reporter() == Reporter.DESTINATION;
    long start = r.startEpochMillis() * 1_000_000L;
    Span.Builder span =
        Span.newBuilder()
            .setTraceId(bytes(s.traceIdHigh(), s.traceIdLow()))
            .setSpanId(bytes(s.spanId()))
            .setName(name(r))
            .setKind(server ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(start)
            .setEndTimeUnixNano(start + r.durationNanos())
            .setStatus(
                Status.newBuilder()
                    .setCode(
                        failed(r)
                            ? Status.StatusCode.STATUS_CODE_ERROR
                            : Status.StatusCode.STATUS_CODE_UNSET));
    if (s.parentSpanId() != 0) {
      span.setParentSpanId(bytes(s.parentSpanId()));
    }
    s.tracing().tags().forEach((k, v) -> span.addAttributes(string(k, v)));
    add(span, "node_id", nodeId);
    add(span, "component", "proxy");
    add(span, "upstream_cluster", r.cluster());
    add(span, "upstream_cluster.name", r.cluster());
    add(span, "upstream_address", r.upstreamHost());
    add(span, "http.url", url(r));
    add(span, "http.method", r.method());
    add(span, "http.protocol", r.protocolVersion());
    add(span, "downstream_cluster", "-");
    add(span, "user_agent", r.userAgent() == null ? "-" : r.userAgent());
    add(span, "request_size", Long.toString(r.bytesReceived()));
    add(span, "response_size", Long.toString(r.bytesSent()));
    add(span, "http.status_code", Integer.toString(r.responseCode()));
    add(span, "response_flags", ResponseFlags.toShortString(r.responseFlags()));
    add(span, "guid:x-request-id", r.requestId());
    add(span, "route_name", r.route());
    add(span, "peer.address", address(r.downstreamRemoteAddress()));
    add(span, "peer.principal", r.peerPrincipal());
    if (failed(r)) {
      add(span, "error", "true");
    }
    return span.build();
  }

  /** Envoy marks 5xx answers and the mesh's own local replies (a response flag) as errors. */
  static boolean failed(RequestRecordSnapshot r) {
    return r.responseCode() >= 500 || r.responseCode() == 0 || r.responseFlags() != 0;
  }

  /** Istio's operation name: the authority and {@code /*}, as its route decorator writes it. */
  private static String name(RequestRecordSnapshot r) {
    return (r.authority() == null ? "-" : r.authority().toString()) + "/*";
  }

  private static String url(RequestRecordSnapshot r) {
    if (r.path() == null) {
      return null;
    }
    return "http://" + (r.authority() == null ? "" : r.authority()) + r.path();
  }

  private static String address(SocketAddress a) {
    if (a instanceof InetSocketAddress i) {
      return (i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress())
          + ":"
          + i.getPort();
    }
    return a == null ? null : a.toString();
  }

  private static void add(Span.Builder span, String key, CharSequence value) {
    if (value != null) {
      span.addAttributes(string(key, value.toString()));
    }
  }

  private static KeyValue string(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static ByteString bytes(long high, long low) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(high).putLong(low).flip());
  }

  private static ByteString bytes(long id) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).flip());
  }
}
