package dev.jmesh.dataplane.cluster;

/**
 * Envoy's ring hash (ketama): every host gets a number of points on a 64-bit ring proportional to
 * its normalized weight, each point the xxHash64 of {@code address:port_i}; a request goes to the
 * first point at or after its hash. Adding a host moves only the keys that land on its new points.
 */
final class RingHashTable implements HashTable {

  private final long[] hashes;
  private final Host[] hosts;

  /**
   * @param hosts the hosts, in a stable order
   * @param normalizedWeights each host's share, summing to 1
   */
  RingHashTable(Host[] hosts, double[] normalizedWeights, long minRingSize, long maxRingSize) {
    double min = Double.MAX_VALUE;
    for (double w : normalizedWeights) {
      min = Math.min(min, w);
    }
    // As Envoy: scale so the lightest host gets a whole number of points, within the maximum.
    double scale = Math.min(Math.ceil(min * minRingSize) / min, (double) maxRingSize);
    int size = (int) Math.ceil(scale);
    long[] keys = new long[size + hosts.length];
    int[] owners = new int[keys.length];
    int n = 0;
    double current = 0;
    double target = 0;
    for (int h = 0; h < hosts.length; h++) {
      String prefix = hosts[h].hostKey() + "_";
      target += scale * normalizedWeights[h];
      for (long i = 0; current < target && n < keys.length; i++, current++) {
        keys[n] = XxHash64.hash(prefix + i, 0);
        owners[n] = h;
        n++;
      }
    }
    // Points sorted by unsigned hash, their owners carried along; indices are sorted as ints
    // because a ring may have millions of points.
    int[] order = sortedByHash(keys, n);
    this.hashes = new long[n];
    this.hosts = new Host[n];
    for (int i = 0; i < n; i++) {
      this.hashes[i] = keys[order[i]];
      this.hosts[i] = hosts[owners[order[i]]];
    }
  }

  /** A bottom-up merge sort of {@code 0..n-1} by {@code keys}, unsigned; stable. */
  private static int[] sortedByHash(long[] keys, int n) {
    int[] a = new int[n];
    int[] b = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        for (int k = lo; k < hi; k++) {
          if (i < mid && (j >= hi || Long.compareUnsigned(keys[a[i]], keys[a[j]]) <= 0)) {
            b[k] = a[i++];
          } else {
            b[k] = a[j++];
          }
        }
      }
      int[] t = a;
      a = b;
      b = t;
    }
    return a;
  }

  int size() {
    return hashes.length;
  }

  @Override
  public Host pick(long hash) {
    int lo = 0;
    int hi = hashes.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(hashes[mid], hash) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return hosts[lo == hashes.length ? 0 : lo];
  }
}
