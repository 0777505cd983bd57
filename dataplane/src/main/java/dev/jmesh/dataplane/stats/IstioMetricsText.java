package dev.jmesh.dataplane.stats;

import dev.jmesh.dataplane.accesslog.AccessLogWriter;
import dev.jmesh.dataplane.trace.SpanExporter;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes {@link IstioMetrics} in Prometheus' text format: each metric's HELP and TYPE, then its
 * series; histograms as cumulative {@code _bucket} lines up to {@code le="+Inf"}, then {@code _sum}
 * and {@code _count}. Runs on the scrape thread, so it may allocate freely.
 */
final class IstioMetricsText {

  private static final String[] REQUEST_LABEL_NAMES = {
    "reporter",
    "source_workload",
    "source_workload_namespace",
    "source_principal",
    "source_app",
    "source_version",
    "source_canonical_service",
    "source_canonical_revision",
    "source_cluster",
    "destination_workload",
    "destination_workload_namespace",
    "destination_principal",
    "destination_app",
    "destination_version",
    "destination_service",
    "destination_service_name",
    "destination_service_namespace",
    "destination_canonical_service",
    "destination_canonical_revision",
    "destination_cluster",
    "request_protocol",
    "response_code",
    "grpc_response_status",
    "response_flags",
    "connection_security_policy"
  };

  /** Istio's labels without the two a TCP connection has not got (response and gRPC codes). */
  private static final String[] TCP_LABEL_NAMES =
      List.of(REQUEST_LABEL_NAMES).stream()
          .filter(n -> !n.equals("response_code") && !n.equals("grpc_response_status"))
          .toArray(String[]::new);

  static final String OVERFLOW_REQUEST_LABELS = overflowLabels(REQUEST_LABEL_NAMES);
  static final String OVERFLOW_TCP_LABELS = overflowLabels(TCP_LABEL_NAMES);

  private IstioMetricsText() {}

  static void write(IstioMetrics metrics, PrometheusText text) {
    List<RequestSeries> requests = new ArrayList<>();
    metrics.requests().forEach(requests::add);
    if (metrics.usedRequestOverflow() != null) {
      requests.add(metrics.usedRequestOverflow());
    }
    List<long[]> totals = new ArrayList<>(requests.size());
    for (RequestSeries series : requests) {
      totals.add(series.totals());
    }

    text.header(
        "istio_requests_total",
        "counter",
        "Requests handled by the data path (Istio standard metric).");
    for (int i = 0; i < requests.size(); i++) {
      long[] t = totals.get(i);
      text.sample(
          "istio_requests_total",
          requests.get(i).rendered(),
          count(t, RequestSeries.DURATION_BUCKETS));
    }
    histogram(
        text,
        "istio_request_duration_milliseconds",
        "Request duration in milliseconds (Istio standard metric).",
        requests,
        totals,
        RequestSeries.DURATION_BUCKETS,
        RequestSeries.DURATION_SUM);
    histogram(
        text,
        "istio_request_bytes",
        "Request body size in bytes (Istio standard metric).",
        requests,
        totals,
        RequestSeries.REQUEST_BYTES_BUCKETS,
        RequestSeries.REQUEST_BYTES_SUM);
    histogram(
        text,
        "istio_response_bytes",
        "Response body size in bytes (Istio standard metric).",
        requests,
        totals,
        RequestSeries.RESPONSE_BYTES_BUCKETS,
        RequestSeries.RESPONSE_BYTES_SUM);

    writeTcp(metrics, text);

    text.header(
        "jmesh_istio_overflow_records_total",
        "counter",
        "Records counted in the overflow series because the Istio metrics reached their cap"
            + " of label sets.");
    text.sample(
        "jmesh_istio_overflow_records_total",
        metrics.requestOverflowRecords(),
        "family",
        "request");
    text.sample(
        "jmesh_istio_overflow_records_total", metrics.tcpOverflowRecords(), "family", "tcp");
    // The access log is fed by the same records; its counters sit with theirs.
    AccessLogWriter.writeSharedTo(text);
    SpanExporter.writeSharedTo(text);
  }

  private static void writeTcp(IstioMetrics metrics, PrometheusText text) {
    List<TcpSeries> connections = new ArrayList<>();
    metrics.connections().forEach(connections::add);
    if (metrics.usedTcpOverflow() != null) {
      connections.add(metrics.usedTcpOverflow());
    }
    List<long[]> totals = new ArrayList<>(connections.size());
    for (TcpSeries series : connections) {
      totals.add(series.totals());
    }
    text.header(
        "istio_tcp_sent_bytes_total",
        "counter",
        "Bytes sent to the downstream of TCP connections (Istio standard metric).");
    for (int i = 0; i < connections.size(); i++) {
      text.sample(
          "istio_tcp_sent_bytes_total",
          connections.get(i).rendered(),
          TcpSeries.sentOf(totals.get(i)));
    }
    text.header(
        "istio_tcp_received_bytes_total",
        "counter",
        "Bytes received from the downstream of TCP connections (Istio standard metric).");
    for (int i = 0; i < connections.size(); i++) {
      text.sample(
          "istio_tcp_received_bytes_total",
          connections.get(i).rendered(),
          TcpSeries.receivedOf(totals.get(i)));
    }
    text.header(
        "istio_tcp_connections_opened_total",
        "counter",
        "TCP connections opened (Istio standard metric).");
    for (int i = 0; i < connections.size(); i++) {
      text.sample(
          "istio_tcp_connections_opened_total",
          connections.get(i).rendered(),
          TcpSeries.openedOf(totals.get(i)));
    }
    text.header(
        "istio_tcp_connections_closed_total",
        "counter",
        "TCP connections closed (Istio standard metric).");
    for (int i = 0; i < connections.size(); i++) {
      text.sample(
          "istio_tcp_connections_closed_total",
          connections.get(i).rendered(),
          TcpSeries.closedOf(totals.get(i)));
    }
  }

  private static void histogram(
      PrometheusText text,
      String name,
      String help,
      List<RequestSeries> series,
      List<long[]> totals,
      int buckets,
      int sum) {
    text.header(name, "histogram", help);
    for (int i = 0; i < series.size(); i++) {
      String labels = series.get(i).rendered();
      long[] t = totals.get(i);
      long cumulative = 0;
      for (int b = 0; b < IstioBuckets.COUNT; b++) {
        cumulative += t[buckets + b];
        text.sample(name + "_bucket", labels, "le", IstioBuckets.LE[b], cumulative);
      }
      text.sample(name + "_sum", labels, t[sum]);
      text.sample(name + "_count", labels, cumulative);
    }
  }

  private static long count(long[] totals, int buckets) {
    long count = 0;
    for (int b = 0; b < IstioBuckets.COUNT; b++) {
      count += totals[buckets + b];
    }
    return count;
  }

  private static String overflowLabels(String[] names) {
    String[] pairs = new String[names.length * 2];
    for (int i = 0; i < names.length; i++) {
      pairs[2 * i] = names[i];
      pairs[2 * i + 1] = IstioMetrics.OVERFLOW;
    }
    return PrometheusText.labels(pairs);
  }
}
