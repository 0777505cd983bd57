package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.assertChiSquare;
import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.count;
import static dev.jmesh.dataplane.cluster.TestClusters.endpoint;
import static dev.jmesh.dataplane.cluster.TestClusters.lb;
import static dev.jmesh.dataplane.cluster.TestClusters.observed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jmesh.dataplane.cluster.TestClusters.FakeClock;
import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.SlowStartConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SlowStartTest {

  private static final long WINDOW = 100_000_000_000L;

  @Test
  void theFactorRampsLinearlyWithTheDefaultAggression() {
    SlowStartConfig s = new SlowStartConfig(WINDOW, 1.0, 10);
    assertThat(s.factor(0)).isEqualTo(0.1);
    assertThat(s.factor(WINDOW / 4)).isCloseTo(0.25, within(1e-9));
    assertThat(s.factor(WINDOW / 2)).isCloseTo(0.5, within(1e-9));
    assertThat(s.factor(WINDOW)).isEqualTo(1.0);
  }

  @Test
  void aggressionBendsTheRampAndTheFloorHolds() {
    SlowStartConfig s = new SlowStartConfig(WINDOW, 2.0, 30);
    assertThat(s.factor(0)).isEqualTo(0.3);
    assertThat(s.factor(WINDOW / 4)).isCloseTo(0.5, within(1e-9));
    assertThat(s.factor(WINDOW / 2)).isCloseTo(Math.sqrt(0.5), within(1e-9));
    assertThat(s.factor(2 * WINDOW)).isEqualTo(1.0);
  }

  /**
   * A host joins one that has served for long; with weights 1 and the new host's factor f, its
   * share is f / (1 + f): 0.1 / 1.1 at once, 0.2 at 25% of the window, 1/3 at 50%, 1/2 after.
   */
  @ParameterizedTest
  @EnumSource(
      value = ClusterConfig.LbPolicy.class,
      names = {"ROUND_ROBIN", "LEAST_REQUEST"})
  void aNewHostRampsUpOverTheWindow(ClusterConfig.LbPolicy policy) {
    FakeClock clock = new FakeClock();
    ClusterConfig one =
        config(
            policy,
            lb(new SlowStartConfig(WINDOW, 1.0, 10), 50, false),
            null,
            List.of(endpoint("old", 1)));
    UpstreamCluster c = TestClusters.cluster(one, clock);
    c.update(TestClusters.withEndpoints(one, List.of(endpoint("old", 1), endpoint("new", 1))));
    double[] fraction = {0, 0.25, 0.5, 1.0};
    double[] factor = {0.1, 0.25, 0.5, 1.0};
    long start = clock.nanos;
    for (int i = 0; i < fraction.length; i++) {
      clock.nanos = start + (long) (fraction[i] * WINDOW);
      Map<String, Integer> hits = count(c, 20_000, 100 + i);
      double share = factor[i] / (1 + factor[i]);
      assertChiSquare(observed(hits, List.of("old:80", "new:80")), new double[] {1 - share, share});
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = ClusterConfig.LbPolicy.class,
      names = {"ROUND_ROBIN", "LEAST_REQUEST"})
  void slowStartScalesUnequalWeights(ClusterConfig.LbPolicy policy) {
    FakeClock clock = new FakeClock();
    ClusterConfig one =
        config(
            policy,
            lb(new SlowStartConfig(WINDOW, 1.0, 10), 50, false),
            null,
            List.of(endpoint("old", 2)));
    UpstreamCluster c = TestClusters.cluster(one, clock);
    c.update(TestClusters.withEndpoints(one, List.of(endpoint("old", 2), endpoint("new", 1))));
    clock.nanos += WINDOW / 2;
    // new: 1 × 0.5 against old: 2.
    Map<String, Integer> hits = count(c, 25_000, 200);
    assertChiSquare(observed(hits, List.of("old:80", "new:80")), new double[] {0.8, 0.2});
  }

  @Test
  void hostsPresentFromTheStartDoNotRamp() {
    FakeClock clock = new FakeClock();
    UpstreamCluster c =
        TestClusters.cluster(
            config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                lb(new SlowStartConfig(WINDOW, 1.0, 10), 50, false),
                null,
                List.of(endpoint("a", 1), endpoint("b", 1))),
            clock);
    Map<String, Integer> hits = count(c, 1_000, 1);
    assertThat(hits).containsEntry("a:80", 500).containsEntry("b:80", 500);
  }

  @Test
  void randomBalancingHasNoSlowStart() {
    FakeClock clock = new FakeClock();
    ClusterConfig one =
        config(
            ClusterConfig.LbPolicy.RANDOM,
            lb(new SlowStartConfig(WINDOW, 1.0, 10), 50, false),
            null,
            List.of(endpoint("old", 1)));
    UpstreamCluster c = TestClusters.cluster(one, clock);
    c.update(TestClusters.withEndpoints(one, List.of(endpoint("old", 1), endpoint("new", 1))));
    Map<String, Integer> hits = count(c, 20_000, 5);
    assertChiSquare(observed(hits, List.of("old:80", "new:80")), new double[] {0.5, 0.5});
  }
}
