package dev.jmesh.dataplane.stats;

import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.ResponseFlags;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The four TCP counters of one label set ({@code istio_tcp_connections_opened_total}, {@code
 * _closed_total}, {@code istio_tcp_sent_bytes_total}, {@code _received_bytes_total}). As in Istio,
 * a connection's labels are fixed when it is reported open, so a proxied connection keeps a handle
 * from open to close: a {@link TcpConnection} ({@link IstioMetrics#tcpConnection}), which counts
 * here and journals the connection when it closes, or this series ({@link IstioMetrics#tcpOpened},
 * not journaled).
 */
public final class TcpSeries extends SeriesTable.Entry {

  private static final int OPENED = 0;
  private static final int CLOSED = 1;
  private static final int SENT = 2;
  private static final int RECEIVED = 3;
  private static final int WIDTH = 4;
  private static final int STRIDE = 16;

  final TrafficSeries traffic;
  final int responseFlags;
  private final AtomicLongArray cells = new AtomicLongArray(STRIDE * Stripes.COUNT);
  private String rendered;

  TcpSeries(long key, TrafficSeries traffic, int responseFlags) {
    super(key);
    this.traffic = traffic;
    this.responseFlags = responseFlags;
  }

  void opened() {
    cells.getAndIncrement(Stripes.current() * STRIDE + OPENED);
  }

  /**
   * Bytes moved since the last report: {@code sent} to downstream, {@code received} from it. Long
   * connections report as they go, so the byte counters move before the connection ends.
   */
  public void addBytes(long sent, long received) {
    int base = Stripes.current() * STRIDE;
    if (sent != 0) {
      cells.getAndAdd(base + SENT, sent);
    }
    if (received != 0) {
      cells.getAndAdd(base + RECEIVED, received);
    }
  }

  /** The connection ended, with the bytes not yet reported by {@link #addBytes}. */
  public void closed(long sent, long received) {
    addBytes(sent, received);
    cells.getAndIncrement(Stripes.current() * STRIDE + CLOSED);
  }

  long[] totals() {
    long[] totals = new long[WIDTH];
    for (int stripe = 0; stripe < Stripes.COUNT; stripe++) {
      for (int i = 0; i < WIDTH; i++) {
        totals[i] += cells.get(stripe * STRIDE + i);
      }
    }
    return totals;
  }

  static long openedOf(long[] totals) {
    return totals[OPENED];
  }

  static long closedOf(long[] totals) {
    return totals[CLOSED];
  }

  static long sentOf(long[] totals) {
    return totals[SENT];
  }

  static long receivedOf(long[] totals) {
    return totals[RECEIVED];
  }

  String rendered() {
    String r = rendered;
    if (r == null) {
      r =
          traffic.isOverflow()
              ? IstioMetricsText.OVERFLOW_TCP_LABELS
              : traffic.rendered()
                  + ","
                  + PrometheusText.labels(
                      "request_protocol", RequestProtocol.TCP.label(),
                      "response_flags", ResponseFlags.toShortString(responseFlags),
                      "connection_security_policy", traffic.labels().securityPolicy().label());
      rendered = r;
    }
    return r;
  }
}
