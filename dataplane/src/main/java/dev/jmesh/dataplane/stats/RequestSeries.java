package dev.jmesh.dataplane.stats;

import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.ResponseFlags;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counters behind one label set of the four HTTP metrics: {@code istio_requests_total} and the
 * duration, request-size and response-size histograms. All of it lives in one {@link
 * AtomicLongArray}, one copy per {@link Stripes stripe}; a request adds to six cells of its
 * thread's copy. The request count is not kept apart: every request lands in exactly one duration
 * bucket, so the buckets add up to it, and {@code _count} always equals the {@code +Inf} bucket in
 * a scrape.
 */
final class RequestSeries extends SeriesTable.Entry {

  static final int DURATION_SUM = 0;
  static final int REQUEST_BYTES_SUM = 1;
  static final int RESPONSE_BYTES_SUM = 2;
  static final int DURATION_BUCKETS = 3;
  static final int REQUEST_BYTES_BUCKETS = DURATION_BUCKETS + IstioBuckets.COUNT;
  static final int RESPONSE_BYTES_BUCKETS = REQUEST_BYTES_BUCKETS + IstioBuckets.COUNT;
  static final int WIDTH = RESPONSE_BYTES_BUCKETS + IstioBuckets.COUNT;

  /** WIDTH rounded up with at least one cache line between stripes, against false sharing. */
  private static final int STRIDE = (WIDTH + 8 + 7) & ~7;

  final TrafficSeries traffic;
  final RequestProtocol protocol;
  final int responseCode;
  final int grpcStatus;
  final int responseFlags;
  private final AtomicLongArray cells = new AtomicLongArray(STRIDE * Stripes.COUNT);

  /** The labels rendered at the first scrape; a benign race may render them twice. */
  private String rendered;

  RequestSeries(
      long key,
      TrafficSeries traffic,
      RequestProtocol protocol,
      int responseCode,
      int grpcStatus,
      int responseFlags) {
    super(key);
    this.traffic = traffic;
    this.protocol = protocol;
    this.responseCode = responseCode;
    this.grpcStatus = grpcStatus;
    this.responseFlags = responseFlags;
  }

  void record(long durationMillis, long requestBytes, long responseBytes) {
    int base = Stripes.current() * STRIDE;
    AtomicLongArray c = cells;
    c.getAndAdd(base + DURATION_SUM, durationMillis);
    c.getAndAdd(base + REQUEST_BYTES_SUM, requestBytes);
    c.getAndAdd(base + RESPONSE_BYTES_SUM, responseBytes);
    c.getAndIncrement(base + DURATION_BUCKETS + IstioBuckets.indexOf(durationMillis));
    c.getAndIncrement(base + REQUEST_BYTES_BUCKETS + IstioBuckets.indexOf(requestBytes));
    c.getAndIncrement(base + RESPONSE_BYTES_BUCKETS + IstioBuckets.indexOf(responseBytes));
  }

  /** The cells added up over the stripes, {@link #WIDTH} of them. */
  long[] totals() {
    long[] totals = new long[WIDTH];
    for (int stripe = 0; stripe < Stripes.COUNT; stripe++) {
      int base = stripe * STRIDE;
      for (int i = 0; i < WIDTH; i++) {
        totals[i] += cells.get(base + i);
      }
    }
    return totals;
  }

  /** All labels of this series, or of the overflow series. */
  String rendered() {
    String r = rendered;
    if (r == null) {
      r =
          traffic.isOverflow()
              ? IstioMetricsText.OVERFLOW_REQUEST_LABELS
              : traffic.rendered()
                  + ","
                  + PrometheusText.labels(
                      "request_protocol", protocol.label(),
                      "response_code", Integer.toString(responseCode),
                      "grpc_response_status", grpcStatus < 0 ? "" : Integer.toString(grpcStatus),
                      "response_flags", ResponseFlags.toShortString(responseFlags),
                      "connection_security_policy", traffic.labels().securityPolicy().label());
      rendered = r;
    }
    return r;
  }
}
