package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.LoadBalancingConfig;
import dev.jmesh.dataplane.config.SlowStartConfig;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Picks a host from one {@link HostSet} with a cluster's {@code lb_policy}: first a priority by the
 * priority load, then (in panic) any host of it, or a locality by effective weight when locality
 * weighting is on, then a host by the policy. Immutable but for the shared round-robin position; a
 * pick takes no lock and allocates nothing.
 *
 * <p>Where Envoy keeps a per-thread EDF schedule with weights that change under it (least request
 * with unequal weights, slow start), a shared schedule would need a lock, so this draws instead
 * with the same odds:
 *
 * <ul>
 *   <li>slow start: a host drawn by its weight is kept with probability equal to its slow-start
 *       factor, else another is drawn (up to {@value #SLOW_START_DRAWS} times), so hosts are picked
 *       in proportion to {@code weight × factor};
 *   <li>least request, unequal weights: a host drawn by weight is kept with probability {@code 1 /
 *       (active + 1) ^ active_request_bias}, else another is drawn (up to {@value
 *       #LEAST_REQUEST_DRAWS} times, then the least loaded draw wins), so hosts are picked in
 *       proportion to Envoy's dynamic weight {@code weight / (active + 1) ^ bias}. With equal
 *       weights it is Envoy's power of {@code choice_count} choices.
 * </ul>
 */
final class ClusterLoadBalancer {

  static final int SLOW_START_DRAWS = 16;

  /**
   * Draws for weighted least request. Under light load a draw is kept about half the time, so 8
   * draws almost never run out; under heavy load they bound the cost of a pick.
   */
  static final int LEAST_REQUEST_DRAWS = 8;

  /** How far apart the random streams of two candidates start; a candidate uses fewer steps. */
  private static final long STRIDE = 2 * SLOW_START_DRAWS * Rng.GOLDEN;

  private final HostSet set;
  private final ClusterConfig.LbPolicy policy;
  private final LoadBalancingConfig lb;
  private final SlowStartConfig slowStart;
  private final AtomicLong roundRobin;
  private final LongSupplier clock;

  ClusterLoadBalancer(
      HostSet set, ClusterConfig config, AtomicLong roundRobin, LongSupplier clock) {
    this.set = set;
    this.policy = config.lbPolicy();
    this.lb = config.loadBalancing();
    boolean slowStartApplies =
        policy == ClusterConfig.LbPolicy.ROUND_ROBIN
            || policy == ClusterConfig.LbPolicy.LEAST_REQUEST;
    this.slowStart = slowStartApplies ? lb.slowStart() : null;
    this.roundRobin = roundRobin;
    this.clock = clock;
  }

  HostSet hostSet() {
    return set;
  }

  Host pick(long hash, boolean hasHash, long random) {
    HostSet s = set;
    if (s.levels.length == 0) {
      return null;
    }
    boolean hashing =
        policy == ClusterConfig.LbPolicy.RING_HASH || policy == ClusterConfig.LbPolicy.MAGLEV;
    // Scrambled first, so a caller passing a counter or a Weyl sequence still gets independent
    // streams per pick.
    long seed = Rng.mix(random);
    long key = hashing && hasHash ? hash : Rng.mix(seed += Rng.GOLDEN);
    // Envoy picks the priority with the hash itself for consistent hashing, so a key stays put.
    int bucket = (int) Long.remainderUnsigned(key, 100);
    int p = 0;
    boolean useDegraded = false;
    int aggregate = 0;
    found:
    {
      for (int i = 0; i < s.levels.length; i++) {
        aggregate += s.healthyLoad[i];
        if (bucket < aggregate) {
          p = i;
          break found;
        }
      }
      for (int i = 0; i < s.levels.length; i++) {
        aggregate += s.degradedLoad[i];
        if (bucket < aggregate) {
          p = i;
          useDegraded = true;
          break found;
        }
      }
    }
    PriorityLevel level = s.levels[p];
    boolean panic = s.panic[p];
    if (hashing) {
      HashTable t = panic ? level.allTable : useDegraded ? level.degradedTable : level.healthyTable;
      return t == null ? null : t.pick(key);
    }
    HostList list;
    if (panic) {
      list = level.all;
    } else {
      list = useDegraded ? level.degraded : level.healthy;
      HostList[] localities = useDegraded ? level.degradedLocalities : level.healthyLocalities;
      if (localities != null) {
        double[] cumulative =
            useDegraded ? level.degradedLocalityCumulative : level.healthyLocalityCumulative;
        int l = chooseLocality(cumulative, Rng.unit(Rng.mix(seed += Rng.GOLDEN)));
        // With no locality weighted above 0, Envoy falls back to the whole priority.
        if (l >= 0) {
          list = localities[l];
        }
      }
    }
    if (list.size() == 0) {
      return null;
    }
    boolean ramping = slowStart != null && s.latestSlowStartNanos != Host.NO_SLOW_START;
    long now = 0;
    if (ramping) {
      now = clock.getAsLong();
      ramping = now - s.latestSlowStartNanos < slowStart.windowNanos();
    }
    switch (policy) {
      case ROUND_ROBIN:
        return roundRobin(list, seed, ramping, now);
      case LEAST_REQUEST:
        return leastRequest(list, seed, ramping, now);
      default:
        return list.weightedRandom(Rng.mix(seed + Rng.GOLDEN));
    }
  }

  private static int chooseLocality(double[] cumulative, double u) {
    double total = cumulative[cumulative.length - 1];
    if (!(total > 0)) {
      return -1;
    }
    double x = u * total;
    for (int i = 0; i < cumulative.length; i++) {
      if (x < cumulative[i]) {
        return i;
      }
    }
    return cumulative.length - 1;
  }

  private Host roundRobin(HostList list, long seed, boolean ramping, long now) {
    Host h = list.roundRobin(roundRobin.getAndIncrement());
    for (int draw = 1; ramping && draw < SLOW_START_DRAWS; draw++) {
      if (keep(h, Rng.mix(seed += Rng.GOLDEN), now)) {
        break;
      }
      h = list.roundRobin(roundRobin.getAndIncrement());
    }
    return h;
  }

  private Host leastRequest(HostList list, long seed, boolean ramping, long now) {
    if (list.size() == 1) {
      return list.get(0);
    }
    if (list.equalWeights()) {
      // Power of N choices: the candidate with the fewest active requests, first one on a tie.
      Host best = candidate(list, seed += STRIDE, ramping, now);
      for (int i = 1; i < lb.choiceCount(); i++) {
        Host c = candidate(list, seed += STRIDE, ramping, now);
        if (c.activeRequests() < best.activeRequests()) {
          best = c;
        }
      }
      return best;
    }
    // Envoy's weighted least request, drawn instead of scheduled: a host drawn by weight is kept
    // with probability 1 / (active + 1) ^ bias (times its slow-start factor), so hosts are picked
    // in proportion to Envoy's dynamic weight. When all draws fail (every host very busy), the
    // least loaded of them is taken.
    Host best = null;
    double bestOdds = -1;
    for (int draw = 0; draw < LEAST_REQUEST_DRAWS; draw++) {
      Host h = list.weightedRandom(Rng.mix(seed += Rng.GOLDEN));
      double odds = activeFactor(h.activeRequests());
      if (ramping) {
        odds *= h.slowStartFactor(slowStart, now);
      }
      if (odds >= 1.0 || Rng.unit(Rng.mix(seed += Rng.GOLDEN)) < odds) {
        return h;
      }
      if (odds > bestOdds) {
        best = h;
        bestOdds = odds;
      }
    }
    return best;
  }

  /** Envoy's {@code 1 / (active_requests + 1) ^ active_request_bias}. */
  private double activeFactor(int active) {
    double bias = lb.activeRequestBias();
    if (bias == 0.0) {
      return 1.0;
    }
    double base = active + 1.0;
    return bias == 1.0 ? 1.0 / base : 1.0 / Math.pow(base, bias);
  }

  /** A host drawn by weight, and by slow-start factor while some host ramps. */
  private Host candidate(HostList list, long seed, boolean ramping, long now) {
    Host h = list.weightedRandom(Rng.mix(seed += Rng.GOLDEN));
    for (int draw = 1; ramping && draw < SLOW_START_DRAWS; draw++) {
      if (keep(h, Rng.mix(seed += Rng.GOLDEN), now)) {
        break;
      }
      h = list.weightedRandom(Rng.mix(seed += Rng.GOLDEN));
    }
    return h;
  }

  private boolean keep(Host h, long r, long now) {
    double f = h.slowStartFactor(slowStart, now);
    return f >= 1.0 || Rng.unit(r) < f;
  }
}
