package dev.jmesh.journal.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What {@code traffic} found: per service and route, how many requests were sent, how many came
 * back with another status than recorded (and which), and recorded against replayed latency. Filled
 * from the HTTP client's threads, so every method is synchronized; it is not on any request path.
 */
final class TrafficReport {

  private final Map<String, Route> routes = new TreeMap<>();
  private final Map<String, Long> statusChanges = new TreeMap<>();
  private final Map<String, Long> skipped = new TreeMap<>();
  private final Route all = new Route("*", "*");
  private long failures;
  private String firstFailure;

  synchronized void skipped(String why) {
    skipped.merge(why, 1L, Long::sum);
  }

  synchronized void replayed(
      String service, String route, int recordedCode, long recordedNanos, int code, long nanos) {
    Route r = routes.computeIfAbsent(service + "\u0000" + route, k -> new Route(service, route));
    for (Route target : new Route[] {r, all}) {
      target.sent++;
      target.recorded.recordValue(Math.max(1, recordedNanos / 1_000));
      target.replayed.recordValue(Math.max(1, nanos / 1_000));
      if (code != recordedCode) {
        target.different++;
      }
    }
    if (code != recordedCode) {
      statusChanges.merge(recordedCode + " -> " + code, 1L, Long::sum);
    }
  }

  synchronized void failed(String why) {
    failures++;
    if (firstFailure == null) {
      firstFailure = why;
    }
  }

  synchronized long sent() {
    return all.sent;
  }

  synchronized long different() {
    return all.different;
  }

  synchronized long failures() {
    return failures;
  }

  synchronized String firstFailure() {
    return firstFailure;
  }

  synchronized String render(String target) {
    StringBuilder s = new StringBuilder();
    long skippedTotal = skipped.values().stream().mapToLong(Long::longValue).sum();
    s.append(
        String.format(
            Locale.ROOT,
            "traffic: %d replayed to %s, %d failed to get a response, %d skipped%s%n",
            all.sent,
            target,
            failures,
            skippedTotal,
            skipped.isEmpty() ? "" : " " + skipped));
    if (firstFailure != null) {
      s.append("first failure: ").append(firstFailure).append('\n');
    }
    s.append(
        String.format(
            Locale.ROOT,
            "status: %d same as recorded, %d different%n",
            all.sent - all.different,
            all.different));
    for (Map.Entry<String, Long> change : statusChanges.entrySet()) {
      s.append("  ").append(change.getKey()).append(": ").append(change.getValue()).append('\n');
    }
    if (all.sent == 0) {
      return s.toString();
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "SERVICE", "ROUTE", "SENT", "DIFF", "REC_P50", "NOW_P50", "REC_P90", "NOW_P90", "REC_P99",
          "NOW_P99"
        });
    for (Route r : routes.values()) {
      rows.add(r.row());
    }
    if (routes.size() > 1) {
      rows.add(all.row());
    }
    s.append("latency in ms, recorded (REC) and replayed (NOW):\n");
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        String pad = " ".repeat(widths[i] - row[i].length());
        s.append(i >= 2 ? pad + row[i] : row[i] + pad).append(i == row.length - 1 ? "\n" : "  ");
      }
    }
    return s.toString();
  }

  private static final class Route {
    final String service;
    final String route;
    final Histogram recorded = new Histogram(3);
    final Histogram replayed = new Histogram(3);
    long sent;
    long different;

    Route(String service, String route) {
      this.service = service;
      this.route = route;
    }

    String[] row() {
      return new String[] {
        service,
        route,
        Long.toString(sent),
        Long.toString(different),
        ms(recorded, 50),
        ms(replayed, 50),
        ms(recorded, 90),
        ms(replayed, 90),
        ms(recorded, 99),
        ms(replayed, 99)
      };
    }

    private static String ms(Histogram h, double percentile) {
      return String.format(Locale.ROOT, "%.3f", h.getValueAtPercentile(percentile) / 1_000.0);
    }
  }
}
