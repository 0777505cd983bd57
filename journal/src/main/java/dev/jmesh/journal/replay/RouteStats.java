package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalEntry;
import org.HdrHistogram.Histogram;

/** Requests, failures and a latency histogram of one service and route, for {@code summary}. */
final class RouteStats {

  private final String service;
  private final String route;
  private final Histogram micros = new Histogram(3);
  private long requests;
  private long errors;

  RouteStats(String service, String route) {
    this.service = service;
    this.route = route;
  }

  void add(JournalEntry e) {
    requests++;
    if (e.failed()) {
      errors++;
    }
    micros.recordValue(Math.max(1, e.durationNanos() / 1_000));
  }

  String service() {
    return service;
  }

  String route() {
    return route;
  }

  long requests() {
    return requests;
  }

  long errors() {
    return errors;
  }

  double errorRate() {
    return requests == 0 ? 0 : (double) errors / requests;
  }

  /** The latency at {@code percentile} (0–100), in milliseconds. */
  double millisAt(double percentile) {
    return micros.getValueAtPercentile(percentile) / 1_000.0;
  }
}
