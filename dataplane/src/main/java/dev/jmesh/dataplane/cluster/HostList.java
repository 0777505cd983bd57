package dev.jmesh.dataplane.cluster;

import java.util.List;
import java.util.PriorityQueue;

/**
 * An immutable list of hosts with what the weighted balancers need, computed once when the host
 * set changes: prefix sums of the weights for a weighted random pick (a binary search), and a
 * smooth weighted round-robin schedule.
 */
final class HostList {

  static final HostList EMPTY = new HostList(List.of());

  /**
   * The longest round-robin schedule kept. Larger weight sums are scaled down to fit, which costs
   * a weight precision of about 1 / 65536 of the total.
   */
  static final int MAX_SCHEDULE = 1 << 16;

  private final Host[] hosts;
  private final long[] cumulative;
  private final long totalWeight;
  private final boolean equalWeights;
  private final int[] schedule;

  HostList(List<Host> list) {
    hosts = list.toArray(new Host[0]);
    cumulative = new long[hosts.length];
    long sum = 0;
    boolean equal = true;
    for (int i = 0; i < hosts.length; i++) {
      sum += hosts[i].weight();
      cumulative[i] = sum;
      equal &= hosts[i].weight() == hosts[0].weight();
    }
    totalWeight = sum;
    equalWeights = equal;
    schedule = equal ? null : schedule(hosts);
  }

  int size() {
    return hosts.length;
  }

  Host get(int i) {
    return hosts[i];
  }

  boolean equalWeights() {
    return equalWeights;
  }

  long totalWeight() {
    return totalWeight;
  }

  /** A host drawn with probability proportional to its weight. */
  Host weightedRandom(long r) {
    if (equalWeights) {
      return hosts[Rng.below(r, hosts.length)];
    }
    long x = Long.remainderUnsigned(r, totalWeight);
    int lo = 0;
    int hi = hosts.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return hosts[lo];
  }

  /** The host at position {@code counter} of the weighted round-robin rotation. */
  Host roundRobin(long counter) {
    if (equalWeights) {
      return hosts[(int) Long.remainderUnsigned(counter, hosts.length)];
    }
    return hosts[schedule[(int) Long.remainderUnsigned(counter, schedule.length)]];
  }

  /**
   * An earliest-deadline-first order, as Envoy's weighted round robin: each host is due every
   * {@code 1 / weight}, so picks of a heavy host are spread between the light ones instead of
   * coming in a burst.
   */
  private static int[] schedule(Host[] hosts) {
    long[] w = new long[hosts.length];
    long g = 0;
    long total = 0;
    for (int i = 0; i < hosts.length; i++) {
      w[i] = hosts[i].weight();
      g = gcd(g, w[i]);
    }
    for (int i = 0; i < w.length; i++) {
      w[i] /= g;
      total += w[i];
    }
    if (total > MAX_SCHEDULE) {
      total = 0;
      long before = 0;
      for (long x : w) {
        before += x;
      }
      for (int i = 0; i < w.length; i++) {
        w[i] = Math.max(1, Math.round((double) w[i] * (MAX_SCHEDULE - w.length) / before));
        total += w[i];
      }
    }
    long[] picked = new long[w.length];
    // Deadline of i is (picked[i] + 1) / w[i]; compared exactly by cross-multiplying.
    PriorityQueue<Integer> due =
        new PriorityQueue<>(
            (a, b) -> {
              int c = Long.compare((picked[a] + 1) * w[b], (picked[b] + 1) * w[a]);
              return c != 0 ? c : Integer.compare(a, b);
            });
    for (int i = 0; i < w.length; i++) {
      due.add(i);
    }
    int[] out = new int[(int) total];
    for (int n = 0; n < out.length; n++) {
      int i = due.poll();
      out[n] = i;
      picked[i]++;
      due.add(i);
    }
    return out;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
