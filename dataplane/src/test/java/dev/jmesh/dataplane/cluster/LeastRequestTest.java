package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.assertChiSquare;
import static dev.jmesh.dataplane.cluster.TestClusters.cluster;
import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.count;
import static dev.jmesh.dataplane.cluster.TestClusters.endpoint;
import static dev.jmesh.dataplane.cluster.TestClusters.observed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.LoadBalancingConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastRequestTest {

  private static UpstreamCluster cluster(
      int choices, double bias, List<dev.jmesh.dataplane.config.Endpoint> eps) {
    LoadBalancingConfig d = LoadBalancingConfig.DEFAULTS;
    LoadBalancingConfig lb =
        new LoadBalancingConfig(
            d.minimumRingSize(),
            d.maximumRingSize(),
            d.maglevTableSize(),
            choices,
            bias,
            null,
            50,
            false);
    return TestClusters.cluster(config(ClusterConfig.LbPolicy.LEAST_REQUEST, lb, null, eps));
  }

  private static Host host(UpstreamCluster c, String address) {
    return c.hosts().stream().filter(h -> h.address().equals(address)).findFirst().orElseThrow();
  }

  @Test
  void powerOfTwoChoicesAvoidsTheBusiestHost() {
    UpstreamCluster c =
        cluster(2, 1.0, List.of(endpoint("a", 1), endpoint("b", 1), endpoint("c", 1)));
    for (int i = 0; i < 5; i++) {
      host(c, "a").requestStarted();
    }
    // "a" wins only when both draws are "a": 1/9; b and c share the rest (ties keep the first).
    Map<String, Integer> hits = count(c, 45_000, 5);
    assertChiSquare(
        observed(hits, List.of("a:80", "b:80", "c:80")), new double[] {1 / 9.0, 4 / 9.0, 4 / 9.0});
  }

  @Test
  void moreChoicesAvoidABusyHostMore() {
    UpstreamCluster c = cluster(5, 1.0, List.of(endpoint("a", 1), endpoint("b", 1)));
    host(c, "a").requestStarted();
    Map<String, Integer> hits = count(c, 32_000, 6);
    // "a" needs all five draws: 1/32.
    assertChiSquare(observed(hits, List.of("a:80", "b:80")), new double[] {1 / 32.0, 31 / 32.0});
  }

  @Test
  void finishedRequestsNoLongerCount() {
    UpstreamCluster c = cluster(2, 1.0, List.of(endpoint("a", 1), endpoint("b", 1)));
    Host a = host(c, "a");
    a.requestStarted();
    a.requestFinished(200);
    assertThat(a.activeRequests()).isZero();
  }

  @Test
  void unequalWeightsOfIdleHostsHitTheirTargets() {
    UpstreamCluster c =
        cluster(
            2,
            1.0,
            List.of(endpoint("a", 1), endpoint("b", 2), endpoint("c", 3), endpoint("d", 4)));
    Map<String, Integer> hits = count(c, 40_000, 7);
    assertChiSquare(
        observed(hits, List.of("a:80", "b:80", "c:80", "d:80")), new double[] {0.1, 0.2, 0.3, 0.4});
  }

  @Test
  void unequalWeightsFollowEnvoysActiveRequestFormula() {
    UpstreamCluster c = cluster(2, 1.0, List.of(endpoint("a", 2), endpoint("b", 1)));
    for (int i = 0; i < 3; i++) {
      host(c, "a").requestStarted();
    }
    // weight / (active + 1) ^ 1: a = 2 / 4 = 0.5, b = 1 / 1 = 1.
    Map<String, Integer> hits = count(c, 30_000, 8);
    assertChiSquare(observed(hits, List.of("a:80", "b:80")), new double[] {1 / 3.0, 2 / 3.0});
  }

  @Test
  void activeRequestBiasScalesTheFormula() {
    UpstreamCluster c = cluster(2, 2.0, List.of(endpoint("a", 2), endpoint("b", 1)));
    host(c, "a").requestStarted();
    // a = 2 / 2^2 = 0.5, b = 1.
    Map<String, Integer> hits = count(c, 30_000, 9);
    assertChiSquare(observed(hits, List.of("a:80", "b:80")), new double[] {1 / 3.0, 2 / 3.0});
  }

  @Test
  void biasZeroIgnoresActiveRequests() {
    UpstreamCluster c = cluster(2, 0.0, List.of(endpoint("a", 3), endpoint("b", 1)));
    for (int i = 0; i < 10; i++) {
      host(c, "a").requestStarted();
    }
    Map<String, Integer> hits = count(c, 30_000, 10);
    assertChiSquare(observed(hits, List.of("a:80", "b:80")), new double[] {0.75, 0.25});
  }

  @Test
  void aSingleHostIsAlwaysPicked() {
    UpstreamCluster c = cluster(2, 1.0, List.of(endpoint("a", 1)));
    host(c, "a").requestStarted();
    assertThat(c.pick(0, false, 42).address()).isEqualTo("a");
  }
}
