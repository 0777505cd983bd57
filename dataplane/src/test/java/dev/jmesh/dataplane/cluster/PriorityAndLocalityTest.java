package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.assertChiSquare;
import static dev.jmesh.dataplane.cluster.TestClusters.cluster;
import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.endpoint;
import static dev.jmesh.dataplane.cluster.TestClusters.lb;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.Endpoint.Health;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Envoy's priority load, panic threshold, degraded hosts and locality weights. */
class PriorityAndLocalityTest {

  private static int next = 1;

  /** {@code count} hosts of priority {@code p} in {@code zone}, the first {@code bad} unhealthy. */
  private static List<Endpoint> group(
      int p, String zone, int localityWeight, int count, Health... health) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Health h = i < health.length ? health[i] : Health.HEALTHY;
      out.add(endpoint("10.1." + p + "." + next++, 1, p, zone, localityWeight, h));
    }
    return out;
  }

  private static Health[] times(int n, Health h) {
    Health[] out = new Health[n];
    java.util.Arrays.fill(out, h);
    return out;
  }

  @SafeVarargs
  private static List<Endpoint> all(List<Endpoint>... groups) {
    List<Endpoint> out = new ArrayList<>();
    for (List<Endpoint> g : groups) {
      out.addAll(g);
    }
    return out;
  }

  /** Share of picks per class of host, e.g. by priority. */
  private static Map<String, Integer> count(
      UpstreamCluster c, int n, long seed, Function<Host, String> by) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Host h = c.pick(0, false, rnd.nextLong());
      out.merge(by.apply(h), 1, Integer::sum);
    }
    return out;
  }

  private static String priority(Host h) {
    return "P" + h.endpoint().priority();
  }

  private static long[] obs(Map<String, Integer> m, String... keys) {
    long[] out = new long[keys.length];
    for (int i = 0; i < keys.length; i++) {
      out[i] = m.getOrDefault(keys[i], 0);
    }
    return out;
  }

  @Test
  void aHealthyEnoughPriorityTakesAllTraffic() {
    // 8 of 10 healthy: 8 × 1.4 = 112% → P0 takes 100%.
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                all(
                    group(0, "a", 0, 10, Health.UNHEALTHY, Health.UNHEALTHY),
                    group(1, "a", 0, 10))));
    Map<String, Integer> hits = count(c, 5_000, 1, PriorityAndLocalityTest::priority);
    assertThat(hits).containsOnlyKeys("P0");
    assertThat(c.hostSet().healthyLoad).containsExactly(100, 0);
  }

  @Test
  void trafficSpillsToTheNextPriorityByHealth() {
    // 5 of 10 healthy: P0 health 70 → P0 70%, P1 30%.
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                all(group(0, "a", 0, 10, times(5, Health.UNHEALTHY)), group(1, "a", 0, 10))));
    assertThat(c.hostSet().healthyLoad).containsExactly(70, 30);
    Map<String, Integer> hits = count(c, 20_000, 2, PriorityAndLocalityTest::priority);
    assertChiSquare(obs(hits, "P0", "P1"), new double[] {0.7, 0.3});
  }

  @Test
  void loadIsScaledUpWhenTotalHealthIsLow() {
    // P0 health 28 (2 of 10), P1 health 42 (3 of 10): total 70, normalized to 40% / 60%.
    List<Endpoint> eps =
        all(
            group(0, "a", 0, 10, times(8, Health.UNHEALTHY)),
            group(1, "a", 0, 10, times(7, Health.UNHEALTHY)));
    UpstreamCluster c =
        cluster(config(ClusterConfig.LbPolicy.RANDOM, lb(null, 10, false), null, eps));
    assertThat(c.hostSet().healthyLoad).containsExactly(40, 60);
    assertThat(c.hostSet().panic).containsExactly(false, false);
    Map<String, Integer> hits = count(c, 20_000, 14, h -> h.healthy() ? priority(h) : "unhealthy");
    assertChiSquare(obs(hits, "P0", "P1", "unhealthy"), new double[] {0.4, 0.6, 0});
  }

  @Test
  void whenEveryPriorityPanicsLoadFollowsHostCounts() {
    // 20% and 30% healthy, both under the 50% threshold: load by host count, 10 vs 30 hosts.
    List<Endpoint> eps =
        all(
            group(0, "a", 0, 10, times(8, Health.UNHEALTHY)),
            group(1, "a", 0, 30, times(21, Health.UNHEALTHY)));
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.RANDOM, eps));
    assertThat(c.hostSet().panic).containsExactly(true, true);
    assertThat(c.hostSet().healthyLoad).containsExactly(25, 75);
    Map<String, Integer> hits = count(c, 20_000, 15, h -> h.healthy() ? "healthy" : "unhealthy");
    // In panic every host is eligible: 2 + 9 healthy of 40.
    assertChiSquare(
        obs(hits, "healthy", "unhealthy"),
        new double[] {0.25 * 0.2 + 0.75 * 0.3, 0.25 * 0.8 + 0.75 * 0.7});
  }

  @Test
  void anUnhealthyPriorityIsSkipped() {
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.LEAST_REQUEST,
                all(group(0, "a", 0, 3, times(3, Health.UNHEALTHY)), group(1, "a", 0, 3))));
    assertThat(count(c, 1_000, 3, PriorityAndLocalityTest::priority)).containsOnlyKeys("P1");
  }

  @Test
  void inPanicAllHostsOfThePriorityAreUsed() {
    // 4 of 10 healthy is below the 50% panic threshold: Envoy routes to all 10.
    List<Endpoint> eps = group(0, "a", 0, 10, times(6, Health.UNHEALTHY));
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.RANDOM, eps));
    assertThat(c.hostSet().panic).containsExactly(true);
    Map<String, Integer> hits = count(c, 20_000, 4, h -> h.healthy() ? "healthy" : "unhealthy");
    assertChiSquare(obs(hits, "healthy", "unhealthy"), new double[] {0.4, 0.6});
  }

  @Test
  void withPanicDisabledNoHealthyHostMeansNoPick() {
    List<Endpoint> eps = group(0, "a", 0, 3, times(3, Health.UNHEALTHY));
    UpstreamCluster c =
        cluster(config(ClusterConfig.LbPolicy.ROUND_ROBIN, lb(null, 0, false), null, eps));
    assertThat(c.pick(0, false, 1)).isNull();
    UpstreamCluster panicking = cluster(config(ClusterConfig.LbPolicy.ROUND_ROBIN, eps));
    assertThat(panicking.pick(0, false, 1)).isNotNull();
  }

  @Test
  void drainingAndTimedOutHostsAreNotUsed() {
    List<Endpoint> eps = group(0, "a", 0, 10, Health.DRAINING, Health.TIMEOUT, Health.UNHEALTHY);
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.ROUND_ROBIN, eps));
    Map<String, Integer> hits = count(c, 700, 5, h -> h.endpoint().health().name());
    assertThat(hits).containsOnlyKeys("HEALTHY");
  }

  @Test
  void degradedHostsAreUsedOnlyWhenHealthyOnesFallShort() {
    UpstreamCluster enough =
        cluster(
            config(
                ClusterConfig.LbPolicy.RANDOM,
                group(0, "a", 0, 10, Health.DEGRADED, Health.DEGRADED)));
    assertThat(count(enough, 2_000, 6, h -> h.endpoint().health().name()))
        .containsOnlyKeys("HEALTHY");
    // 5 healthy (70) and 5 degraded (70): healthy 70%, degraded the remaining 30%.
    UpstreamCluster half =
        cluster(
            config(ClusterConfig.LbPolicy.RANDOM, group(0, "a", 0, 10, times(5, Health.DEGRADED))));
    assertThat(half.hostSet().healthyLoad).containsExactly(70);
    assertThat(half.hostSet().degradedLoad).containsExactly(30);
    Map<String, Integer> hits = count(half, 20_000, 7, h -> h.endpoint().health().name());
    assertChiSquare(obs(hits, "HEALTHY", "DEGRADED"), new double[] {0.7, 0.3});
    UpstreamCluster onlyDegraded =
        cluster(
            config(ClusterConfig.LbPolicy.RANDOM, group(0, "a", 0, 4, times(4, Health.DEGRADED))));
    assertThat(count(onlyDegraded, 500, 8, h -> h.endpoint().health().name()))
        .containsOnlyKeys("DEGRADED");
  }

  @Test
  void localityWeightsSplitTrafficWhenEnabled() {
    List<Endpoint> eps = all(group(0, "a", 1, 2), group(0, "b", 3, 2));
    UpstreamCluster on =
        cluster(config(ClusterConfig.LbPolicy.ROUND_ROBIN, lb(null, 50, true), null, eps));
    Map<String, Integer> hits = count(on, 20_000, 9, h -> h.endpoint().zone());
    assertChiSquare(obs(hits, "a", "b"), new double[] {0.25, 0.75});
    // Without locality_weighted_lb_config, localities are ignored: 2 hosts each.
    UpstreamCluster off = cluster(config(ClusterConfig.LbPolicy.ROUND_ROBIN, eps));
    Map<String, Integer> flat = count(off, 20_000, 10, h -> h.endpoint().zone());
    assertChiSquare(obs(flat, "a", "b"), new double[] {0.5, 0.5});
  }

  @Test
  void aLocalityLosesWeightWithItsAvailability() {
    // Zone b: 1 of 2 healthy → availability min(1, 1.4 × 0.5) = 0.7 → effective 3 × 0.7 = 2.1.
    List<Endpoint> eps = all(group(0, "a", 1, 2), group(0, "b", 3, 2, Health.UNHEALTHY));
    UpstreamCluster c =
        cluster(config(ClusterConfig.LbPolicy.LEAST_REQUEST, lb(null, 0, true), null, eps));
    Map<String, Integer> hits = count(c, 31_000, 11, h -> h.endpoint().zone());
    assertChiSquare(obs(hits, "a", "b"), new double[] {1 / 3.1, 2.1 / 3.1});
  }

  @Test
  void anEmptyLocalityGetsNoTraffic() {
    List<Endpoint> eps =
        all(group(0, "a", 1, 2), group(0, "b", 5, 2, Health.UNHEALTHY, Health.UNHEALTHY));
    UpstreamCluster c =
        cluster(config(ClusterConfig.LbPolicy.RANDOM, lb(null, 0, true), null, eps));
    assertThat(count(c, 2_000, 12, h -> h.endpoint().zone())).containsOnlyKeys("a");
  }

  @Test
  void localitiesWithoutWeightFallBackToThePriority() {
    List<Endpoint> eps = all(group(0, "a", 0, 2), group(0, "b", 0, 2));
    UpstreamCluster c =
        cluster(config(ClusterConfig.LbPolicy.RANDOM, lb(null, 50, true), null, eps));
    assertThat(count(c, 2_000, 13, h -> h.endpoint().zone())).containsOnlyKeys("a", "b");
  }

  @Test
  void hashBalancersPickThePriorityByTheHash() {
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.MAGLEV,
                all(group(0, "a", 0, 10, times(5, Health.UNHEALTHY)), group(1, "a", 0, 10))));
    // Hash % 100 below 70 is P0's share.
    assertThat(c.pick(69, true, 0).endpoint().priority()).isEqualTo(0);
    assertThat(c.pick(70, true, 0).endpoint().priority()).isEqualTo(1);
    assertThat(c.pick(169, true, 0).endpoint().priority()).isEqualTo(0);
  }
}
