package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.assertChiSquare;
import static dev.jmesh.dataplane.cluster.TestClusters.cluster;
import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.count;
import static dev.jmesh.dataplane.cluster.TestClusters.endpoint;
import static dev.jmesh.dataplane.cluster.TestClusters.observed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.ClusterConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundRobinTest {

  @Test
  void equalWeightsRotateInOrderFromARandomStart() {
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                List.of(endpoint("a", 1), endpoint("b", 1), endpoint("c", 1))));
    List<String> picks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      picks.add(c.pick(0, false, i).address());
    }
    int start = List.of("a", "b", "c").indexOf(picks.get(0));
    for (int i = 0; i < picks.size(); i++) {
      assertThat(picks.get(i)).isEqualTo(List.of("a", "b", "c").get((start + i) % 3));
    }
  }

  @Test
  void weightsAreHitExactlyOverOneRotationAndSpreadWithinIt() {
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                List.of(endpoint("a", 1), endpoint("b", 2), endpoint("c", 3))));
    List<String> rotation = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rotation.add(c.pick(0, false, i).address());
    }
    assertThat(rotation).filteredOn("c"::equals).hasSize(3);
    assertThat(rotation).filteredOn("b"::equals).hasSize(2);
    assertThat(rotation).filteredOn("a"::equals).hasSize(1);
    // Smooth: the heaviest host never takes its three turns in a row.
    assertThat(String.join("", rotation)).doesNotContain("ccc");
  }

  @Test
  void weightedRoundRobinHitsItsTargets() {
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                List.of(endpoint("a", 1), endpoint("b", 3), endpoint("c", 7), endpoint("d", 13))));
    Map<String, Integer> hits = count(c, 24_000 + 7, 1);
    assertChiSquare(
        observed(hits, List.of("a:80", "b:80", "c:80", "d:80")),
        new double[] {1 / 24.0, 3 / 24.0, 7 / 24.0, 13 / 24.0});
  }

  @Test
  void largeWeightsAreScaledIntoABoundedSchedule() {
    UpstreamCluster c =
        cluster(
            config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                List.of(endpoint("a", 1_000_000), endpoint("b", 3_000_001))));
    Map<String, Integer> hits = count(c, 40_000, 2);
    assertChiSquare(observed(hits, List.of("a:80", "b:80")), new double[] {0.25, 0.75});
  }

  @Test
  void aSingleHostTakesEveryRequest() {
    UpstreamCluster c =
        cluster(config(ClusterConfig.LbPolicy.ROUND_ROBIN, List.of(endpoint("only", 5))));
    for (int i = 0; i < 10; i++) {
      assertThat(c.pick(0, false, i).address()).isEqualTo("only");
    }
  }

  @Test
  void noHostsMeansNoPick() {
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.ROUND_ROBIN, List.of()));
    assertThat(c.pick(0, false, 1)).isNull();
  }
}
