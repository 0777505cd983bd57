package dev.jmesh.dataplane.cluster;

import java.util.Arrays;

/**
 * Envoy's ring hash (ketama): every host gets a number of points on a 64-bit ring proportional to
 * its normalized weight, each point the xxHash64 of {@code address:port_i}; a request goes to the
 * first point at or after its hash. Adding a host moves only the keys that land on its new
 * points.
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
    // Sort points by unsigned hash, carrying their owners along.
    long[] packed = new long[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    long[] k = keys;
    Arrays.sort(order, (a, b) -> Long.compareUnsigned(k[a], k[b]));
    this.hashes = packed;
    this.hosts = new Host[n];
    for (int i = 0; i < n; i++) {
      packed[i] = keys[order[i]];
      this.hosts[i] = hosts[owners[order[i]]];
    }
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
