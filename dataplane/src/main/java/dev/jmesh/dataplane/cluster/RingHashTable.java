package dev.jmesh.dataplane.cluster;

/**
 * A ketama ring as Envoy builds it — every host's points are the xxHash64 of {@code
 * address:port_i}, a request goes to the first point at or after its hash — with one difference:
 * the number of points a host gets depends only on its own weight (a quarter of {@code
 * minimum_ring_size} for the lightest host, proportionally more for heavier ones), not on how many
 * hosts there are. Envoy scales every host's points so the whole ring stays near {@code
 * minimum_ring_size}, so adding a host takes points from every other host and moves their keys too
 * (istio/istio#41814: about 16% of keys when an 11th host joins 10); here the old hosts keep their
 * points and only the keys the new host's points capture move, 1/N. A host's first points are
 * Envoy's own, so the rings agree where they overlap.
 */
final class RingHashTable implements HashTable {

  private final long[] hashes;
  private final Host[] hosts;

  /**
   * Where the points whose hash starts with each {@code bucketBits}-bit prefix begin: a pick
   * searches one bucket (a few points) instead of the whole ring, which for 1,000 hosts is a
   * quarter of a million points and would cost a cache miss per binary-search step.
   */
  private final int[] bucketStart;

  private final int bucketBits;

  /**
   * @param hosts the hosts, in a stable order
   * @param normalizedWeights each host's share, summing to 1
   */
  RingHashTable(Host[] hosts, double[] normalizedWeights, long minRingSize, long maxRingSize) {
    double min = Double.MAX_VALUE;
    for (double w : normalizedWeights) {
      min = Math.min(min, w);
    }
    // The lightest host gets minRingSize / 4 points whatever the host count, so a host set that
    // grows keeps every old point; only a ring above the maximum is scaled down to fit.
    double perLightest = Math.max(1, Math.ceil(minRingSize / 4.0));
    double scale = Math.min(perLightest / min, (double) maxRingSize);
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
    // About four points per bucket.
    int bits = 1;
    while (bits < 24 && (1 << (bits + 2)) < n) {
      bits++;
    }
    this.bucketBits = bits;
    this.bucketStart = new int[(1 << bits) + 1];
    int point = 0;
    for (int b = 0; b < (1 << bits); b++) {
      while (point < n && (this.hashes[point] >>> (64 - bits)) < b) {
        point++;
      }
      bucketStart[b] = point;
    }
    bucketStart[1 << bits] = n;
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

  /** The hash of the ring's {@code i}-th point, in ring order (for tests). */
  long pointHash(int i) {
    return hashes[i];
  }

  /** The host of the ring's {@code i}-th point (for tests). */
  Host pointHost(int i) {
    return hosts[i];
  }

  @Override
  public Host pick(long hash) {
    int bucket = (int) (hash >>> (64 - bucketBits));
    // The first point at or after the hash is in its bucket, or is the next bucket's first.
    int lo = bucketStart[bucket];
    int hi = bucketStart[bucket + 1];
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
