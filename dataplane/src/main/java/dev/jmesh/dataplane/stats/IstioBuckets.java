package dev.jmesh.dataplane.stats;

/**
 * The bucket bounds of Istio's histograms. Istio sets none of its own: its stats filter records
 * into Envoy histograms, which use Envoy's default bounds, so {@code istio_request_bytes} and
 * {@code istio_response_bytes} share the duration's bounds (a real sidecar scrape shows {@code
 * istio_request_bytes_bucket{le="600000"}}).
 *
 * <p>Envoy records whole numbers (milliseconds, bytes), so {@code value <= 0.5} is {@code value <=
 * 0}: each bound is compared as its floor, and a value equal to a bound falls in that bound's
 * bucket, as Prometheus' inclusive {@code le} says.
 */
final class IstioBuckets {

  /** Envoy's default histogram bounds ({@code Stats::HistogramSettingsImpl::defaultBuckets}). */
  static final double[] BOUNDS = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    1800000, 3600000
  };

  /** Buckets per histogram: one per bound and the last, {@code +Inf}. */
  static final int COUNT = BOUNDS.length + 1;

  /** The {@code le} label of each bucket, as Envoy prints it. */
  static final String[] LE = new String[COUNT];

  private static final long[] WHOLE_BOUNDS = new long[BOUNDS.length];

  static {
    for (int i = 0; i < BOUNDS.length; i++) {
      WHOLE_BOUNDS[i] = (long) Math.floor(BOUNDS[i]);
      LE[i] =
          BOUNDS[i] == Math.rint(BOUNDS[i])
              ? Long.toString((long) BOUNDS[i])
              : Double.toString(BOUNDS[i]);
    }
    LE[BOUNDS.length] = "+Inf";
  }

  private IstioBuckets() {}

  /** The bucket of a whole-number value: the first whose bound is at least the value. */
  static int indexOf(long value) {
    long[] bounds = WHOLE_BOUNDS;
    int low = 0;
    int high = bounds.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (bounds[mid] < value) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}
