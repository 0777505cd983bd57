package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.LoadBalancingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hosts of one priority, split by availability, with what each balancer needs prepared: per
 * locality lists and effective locality weights for locality-weighted balancing, and consistent
 * hash tables for ring hash and Maglev.
 */
final class PriorityLevel {

  /** Envoy's default overprovisioning factor, 1.4, in percent. */
  static final int OVERPROVISIONING = 140;

  final HostList all;
  final HostList healthy;
  final HostList degraded;

  /** Per locality, for locality-weighted balancing; {@code null} when it is off. */
  final HostList[] healthyLocalities;

  final double[] healthyLocalityCumulative;
  final HostList[] degradedLocalities;
  final double[] degradedLocalityCumulative;

  /** For RING_HASH and MAGLEV; {@code null} when there are no such hosts or another policy. */
  final HashTable allTable;

  final HashTable healthyTable;
  final HashTable degradedTable;

  PriorityLevel(List<Host> hosts, ClusterConfig.LbPolicy policy, LoadBalancingConfig lb) {
    List<Host> h = new ArrayList<>();
    List<Host> d = new ArrayList<>();
    for (Host host : hosts) {
      switch (host.availability()) {
        case HEALTHY:
          h.add(host);
          break;
        case DEGRADED:
          d.add(host);
          break;
        default:
          break;
      }
    }
    all = new HostList(hosts);
    healthy = new HostList(h);
    degraded = new HostList(d);
    Map<String, List<Host>> allByLocality = byLocality(hosts);
    if (lb.localityWeighted()) {
      healthyLocalities = localities(allByLocality, h);
      healthyLocalityCumulative = effectiveWeights(healthyLocalities, allByLocality);
      degradedLocalities = localities(allByLocality, d);
      degradedLocalityCumulative = effectiveWeights(degradedLocalities, allByLocality);
    } else {
      healthyLocalities = null;
      healthyLocalityCumulative = null;
      degradedLocalities = null;
      degradedLocalityCumulative = null;
    }
    boolean hashing =
        policy == ClusterConfig.LbPolicy.RING_HASH || policy == ClusterConfig.LbPolicy.MAGLEV;
    healthyTable = hashing ? table(h, policy, lb) : null;
    degradedTable = hashing ? table(d, policy, lb) : null;
    allTable = !hashing ? null : h.size() == hosts.size() ? healthyTable : table(hosts, policy, lb);
  }

  private static Map<String, List<Host>> byLocality(List<Host> hosts) {
    Map<String, List<Host>> out = new LinkedHashMap<>();
    for (Host host : hosts) {
      out.computeIfAbsent(locality(host), k -> new ArrayList<>()).add(host);
    }
    return out;
  }

  private static String locality(Host h) {
    return h.endpoint().region() + "/" + h.endpoint().zone() + "/" + h.endpoint().subZone();
  }

  /** The eligible hosts of each locality, in the order of {@code allByLocality}. */
  private static HostList[] localities(Map<String, List<Host>> allByLocality, List<Host> eligible) {
    Map<String, List<Host>> mine = byLocality(eligible);
    HostList[] out = new HostList[allByLocality.size()];
    int i = 0;
    for (String locality : allByLocality.keySet()) {
      List<Host> l = mine.get(locality);
      out[i++] = l == null ? HostList.EMPTY : new HostList(l);
    }
    return out;
  }

  /**
   * Envoy's effective locality weight, prefix-summed: the locality's weight times its availability,
   * {@code min(1, 1.4 × eligible / all)}; 0 for an empty locality.
   */
  private static double[] effectiveWeights(
      HostList[] eligible, Map<String, List<Host>> allByLocality) {
    double[] out = new double[eligible.length];
    double sum = 0;
    int i = 0;
    for (List<Host> all : allByLocality.values()) {
      HostList e = eligible[i];
      if (e.size() > 0) {
        double availability =
            Math.min(1.0, OVERPROVISIONING / 100.0 * e.size() / (double) all.size());
        sum += all.get(0).endpoint().localityWeight() * availability;
      }
      out[i++] = sum;
    }
    return out;
  }

  /**
   * Each host's share for a hash table: its weight within the hosts, or with locality weighting,
   * its share of its locality times the locality's share, as Envoy normalizes them.
   */
  private static HashTable table(
      List<Host> hosts, ClusterConfig.LbPolicy policy, LoadBalancingConfig lb) {
    if (hosts.isEmpty()) {
      return null;
    }
    Host[] array = hosts.toArray(new Host[0]);
    double[] weights = new double[array.length];
    if (lb.localityWeighted()) {
      Map<String, List<Host>> byLocality = byLocality(hosts);
      double localityTotal = 0;
      for (List<Host> l : byLocality.values()) {
        localityTotal += l.get(0).endpoint().localityWeight();
      }
      if (localityTotal > 0) {
        Map<String, Double> hostTotals = new LinkedHashMap<>();
        byLocality.forEach((k, l) -> hostTotals.put(k, l.stream().mapToDouble(Host::weight).sum()));
        List<Host> kept = new ArrayList<>();
        List<Double> keptWeights = new ArrayList<>();
        for (Host h : array) {
          double share =
              h.endpoint().localityWeight()
                  / localityTotal
                  * h.weight()
                  / hostTotals.get(locality(h));
          if (share > 0) {
            kept.add(h);
            keptWeights.add(share);
          }
        }
        array = kept.toArray(new Host[0]);
        weights = keptWeights.stream().mapToDouble(Double::doubleValue).toArray();
        return build(array, weights, policy, lb);
      }
    }
    double total = 0;
    for (Host h : array) {
      total += h.weight();
    }
    for (int i = 0; i < array.length; i++) {
      weights[i] = array[i].weight() / total;
    }
    return build(array, weights, policy, lb);
  }

  private static HashTable build(
      Host[] hosts, double[] weights, ClusterConfig.LbPolicy policy, LoadBalancingConfig lb) {
    return policy == ClusterConfig.LbPolicy.RING_HASH
        ? new RingHashTable(hosts, weights, lb.minimumRingSize(), lb.maximumRingSize())
        : new MaglevTable(hosts, weights, lb.maglevTableSize());
  }

  int healthPercent() {
    return all.size() == 0 ? 0 : Math.min(100, OVERPROVISIONING * healthy.size() / all.size());
  }

  int degradedPercent() {
    return all.size() == 0 ? 0 : Math.min(100, OVERPROVISIONING * degraded.size() / all.size());
  }

  /** Envoy's panic test: healthy plus degraded hosts make less than the threshold. */
  boolean inPanic(double thresholdPercent) {
    double available =
        all.size() == 0 ? 0 : 100.0 * (healthy.size() + degraded.size()) / all.size();
    return available < thresholdPercent;
  }
}
