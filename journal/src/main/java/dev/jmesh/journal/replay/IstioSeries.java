package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalEntry;
import dev.jmesh.journal.JournalProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Journal entries turned back into the Istio metrics the data path would have served, as series
 * sampled every {@code step}: {@code istio_requests_total}, the {@code
 * istio_request_duration_milliseconds} histogram (Envoy's default buckets, whole milliseconds as
 * the data path records them), and for TCP {@code istio_tcp_connections_opened_total}, {@code
 * istio_tcp_connections_closed_total}, {@code istio_tcp_sent_bytes_total} and {@code
 * istio_tcp_received_bytes_total}. Counters are cumulative from 0, with a 0 sample one step before
 * the first entry, so {@code increase()} and {@code rate()} over the export count every entry.
 */
final class IstioSeries {

  static final double[] BUCKETS = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    1800000, 3600000
  };

  private final long stepMillis;
  private final long notAfterMillis;
  private final List<String[]> extraLabels;

  /** Per metric name and label set: per step end, what the step added. */
  private final Map<String, Accumulated> series = new TreeMap<>();

  IstioSeries(long stepMillis, long notAfterMillis, List<String[]> extraLabels) {
    this.stepMillis = stepMillis;
    this.notAfterMillis = notAfterMillis;
    this.extraLabels = extraLabels;
  }

  void add(JournalEntry e) {
    long stepEnd = Math.floorDiv(e.startEpochMillis(), stepMillis) * stepMillis + stepMillis;
    if (e.protocol() == JournalProtocol.TCP) {
      List<String[]> labels = commonLabels(e);
      add("istio_tcp_connections_opened_total", labels, stepEnd, 1);
      add("istio_tcp_connections_closed_total", labels, stepEnd, 1);
      add("istio_tcp_sent_bytes_total", labels, stepEnd, e.bytesSent());
      add("istio_tcp_received_bytes_total", labels, stepEnd, e.bytesReceived());
      return;
    }
    List<String[]> labels = commonLabels(e);
    labels.add(new String[] {"response_code", Integer.toString(e.responseCode())});
    labels.add(
        new String[] {
          "grpc_response_status", e.grpcStatus() < 0 ? "" : Integer.toString(e.grpcStatus())
        });
    labels.add(new String[] {"response_flags", e.responseFlagsText()});
    add("istio_requests_total", labels, stepEnd, 1);
    long millis = e.durationMillis();
    String base = "istio_request_duration_milliseconds";
    for (int b = 0; b <= BUCKETS.length; b++) {
      if (b == BUCKETS.length || millis <= BUCKETS[b]) {
        List<String[]> withLe = new ArrayList<>(labels);
        withLe.add(new String[] {"le", b == BUCKETS.length ? "+Inf" : le(BUCKETS[b])});
        // Cumulative buckets: one entry counts in its bucket and every bucket above it.
        add(base + "_bucket", withLe, stepEnd, 1);
      }
    }
    add(base + "_sum", labels, stepEnd, millis);
    add(base + "_count", labels, stepEnd, 1);
  }

  /** The series, every one with a sample at each step from one before its first entry. */
  List<PromSeries> series() {
    List<PromSeries> out = new ArrayList<>(series.size());
    for (Accumulated a : series.values()) {
      long first = a.byStep.firstKey() - stepMillis;
      long last = a.byStep.lastKey();
      int n = (int) ((last - first) / stepMillis) + 1;
      long[] ts = new long[n];
      double[] values = new double[n];
      double total = 0;
      for (int i = 0; i < n; i++) {
        long t = first + i * stepMillis;
        Double added = a.byStep.get(t);
        if (added != null) {
          total += added;
        }
        ts[i] = Math.min(t, notAfterMillis - (n - 1 - i));
        values[i] = total;
      }
      out.add(new PromSeries(a.labels, ts, values));
    }
    return out;
  }

  private void add(String name, List<String[]> labels, long stepEnd, double value) {
    List<String[]> all = new ArrayList<>(labels.size() + extraLabels.size() + 1);
    all.add(new String[] {"__name__", name});
    all.addAll(labels);
    all.addAll(extraLabels);
    all.sort((x, y) -> x[0].compareTo(y[0]));
    StringBuilder key = new StringBuilder();
    for (String[] l : all) {
      key.append(l[0]).append('=').append(l[1]).append('\u0000');
    }
    series
        .computeIfAbsent(key.toString(), k -> new Accumulated(all))
        .byStep
        .merge(stepEnd, value, Double::sum);
  }

  private static List<String[]> commonLabels(JournalEntry e) {
    List<String[]> l = new ArrayList<>(16);
    l.add(new String[] {"reporter", e.reporter().label()});
    l.add(new String[] {"source_workload", orUnknown(e.sourceWorkload())});
    l.add(new String[] {"source_workload_namespace", orUnknown(e.sourceNamespace())});
    l.add(new String[] {"source_principal", orUnknown(e.sourcePrincipal())});
    l.add(new String[] {"destination_workload", orUnknown(e.destinationWorkload())});
    l.add(new String[] {"destination_workload_namespace", orUnknown(e.destinationNamespace())});
    l.add(new String[] {"destination_principal", orUnknown(e.destinationPrincipal())});
    String service = orUnknown(e.destinationService());
    l.add(new String[] {"destination_service", service});
    String[] parts = service.split("\\.");
    l.add(new String[] {"destination_service_name", parts[0]});
    l.add(
        new String[] {
          "destination_service_namespace",
          parts.length > 1 ? parts[1] : orUnknown(e.destinationNamespace())
        });
    l.add(new String[] {"request_protocol", e.protocol().label()});
    l.add(new String[] {"connection_security_policy", orUnknown(e.securityPolicy())});
    return l;
  }

  private static String orUnknown(String s) {
    return s == null || s.isEmpty() ? "unknown" : s;
  }

  private static String le(double bound) {
    return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
  }

  private static final class Accumulated {
    final List<String[]> labels;
    final TreeMap<Long, Double> byStep = new TreeMap<>();

    Accumulated(List<String[]> labels) {
      this.labels = labels;
    }
  }
}
