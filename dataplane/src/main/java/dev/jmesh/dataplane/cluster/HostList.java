package dev.jmesh.dataplane.cluster;

import java.util.List;
import java.util.PriorityQueue;

/**
 * An immutable list of hosts with what the weighted balancers need, computed once when the host set
 * changes: an alias table (Walker and Vose) for a weighted random pick in constant time, and a
 * smooth weighted round-robin schedule.
 */
final class HostList {

  static final HostList EMPTY = new HostList(List.of());

  /**
   * The longest round-robin schedule kept. Larger weight sums are scaled down to fit, which costs a
   * weight precision of about 1 / 65536 of the total.
   */
  static final int MAX_SCHEDULE = 1 << 16;

  private final Host[] hosts;

  /** Alias table: slot i keeps its own host with probability keep[i], else alias[i]'s. */
  private final double[] keep;

  private final int[] alias;
  private final long totalWeight;
  private final boolean equalWeights;
  private final int[] schedule;

  HostList(List<Host> list) {
    hosts = list.toArray(new Host[0]);
    long sum = 0;
    boolean equal = true;
    for (Host h : hosts) {
      sum += h.weight();
      equal &= h.weight() == hosts[0].weight();
    }
    totalWeight = sum;
    equalWeights = equal;
    keep = equal ? null : new double[hosts.length];
    alias = equal ? null : new int[hosts.length];
    if (!equal) {
      buildAliases(hosts, sum, keep, alias);
    }
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

  /** A host drawn with probability proportional to its weight, from one random number. */
  Host weightedRandom(long r) {
    int i = Rng.below(r, hosts.length);
    if (equalWeights) {
      return hosts[i];
    }
    // The low 32 bits, unused by the slot choice, decide between the slot and its alias.
    return (r & 0xFFFF_FFFFL) * 0x1.0p-32 < keep[i] ? hosts[i] : hosts[alias[i]];
  }

  /**
   * Vose's alias method: slots of less than average weight are topped up by one heavier host each,
   * so every slot holds exactly the average.
   */
  private static void buildAliases(Host[] hosts, long total, double[] keep, int[] alias) {
    int n = hosts.length;
    double[] scaled = new double[n];
    int[] small = new int[n];
    int[] large = new int[n];
    int s = 0;
    int l = 0;
    for (int i = 0; i < n; i++) {
      scaled[i] = (double) hosts[i].weight() * n / total;
      if (scaled[i] < 1.0) {
        small[s++] = i;
      } else {
        large[l++] = i;
      }
    }
    while (s > 0 && l > 0) {
      int less = small[--s];
      int more = large[--l];
      keep[less] = scaled[less];
      alias[less] = more;
      scaled[more] = scaled[more] + scaled[less] - 1.0;
      if (scaled[more] < 1.0) {
        small[s++] = more;
      } else {
        large[l++] = more;
      }
    }
    // What is left is 1 up to rounding.
    while (l > 0) {
      int i = large[--l];
      keep[i] = 1.0;
      alias[i] = i;
    }
    while (s > 0) {
      int i = small[--s];
      keep[i] = 1.0;
      alias[i] = i;
    }
  }

  /** The host at position {@code counter} of the weighted round-robin rotation. */
  Host roundRobin(long counter) {
    if (equalWeights) {
      return hosts[(int) ((counter & Long.MAX_VALUE) % hosts.length)];
    }
    return hosts[schedule[(int) ((counter & Long.MAX_VALUE) % schedule.length)]];
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
