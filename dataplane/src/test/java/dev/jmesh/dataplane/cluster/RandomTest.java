package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.assertChiSquare;
import static dev.jmesh.dataplane.cluster.TestClusters.cluster;
import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.count;
import static dev.jmesh.dataplane.cluster.TestClusters.endpoint;
import static dev.jmesh.dataplane.cluster.TestClusters.observed;

import dev.jmesh.dataplane.config.ClusterConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomTest {

  @Test
  void weightedRandomHitsItsTargets() {
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.RANDOM,
                List.of(endpoint("a", 1), endpoint("b", 2), endpoint("c", 5))));
    Map<String, Integer> hits = count(c, 40_000, 3);
    assertChiSquare(
        observed(hits, List.of("a:80", "b:80", "c:80")), new double[] {1 / 8.0, 2 / 8.0, 5 / 8.0});
  }

  @Test
  void equalWeightsAreUniform() {
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.RANDOM, TestClusters.hosts(20)));
    Map<String, Integer> hits = count(c, 40_000, 4);
    double[] shares = new double[20];
    java.util.Arrays.fill(shares, 1 / 20.0);
    assertChiSquare(observed(hits, List.copyOf(hits.keySet())), shares);
  }

  @Test
  void manyUnequalWeightsHitTheirTargets() {
    List<dev.jmesh.dataplane.config.Endpoint> eps = new java.util.ArrayList<>();
    double[] shares = new double[50];
    for (int i = 0; i < 50; i++) {
      eps.add(endpoint("10.0.0." + (i + 1), i + 1));
      shares[i] = (i + 1) / 1275.0;
    }
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.RANDOM, eps));
    Map<String, Integer> hits = count(c, 200_000, 16);
    assertChiSquare(observed(hits, List.copyOf(hits.keySet())), shares);
  }
}
