package dev.jmesh.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.cluster.TestClusters.FakeClock;
import dev.jmesh.dataplane.config.MeshSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry follows CDS and EDS; hosts keep their state across updates. */
class UpstreamClustersTest {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final UpstreamClusters clusters =
      new UpstreamClusters(new FakeClock(), scheduler, Runnable::run);

  @AfterEach
  void close() {
    clusters.close();
  }

  private static Cluster eds(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(
                    ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
        .build();
  }

  private static ClusterLoadAssignment assignment(String name, Map<String, Integer> weights) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    weights.forEach(
        (ip, w) ->
            l.addLbEndpoints(
                LbEndpoint.newBuilder()
                    .setLoadBalancingWeight(UInt32Value.of(w))
                    .setEndpoint(
                        Endpoint.newBuilder()
                            .setAddress(
                                Address.newBuilder()
                                    .setSocketAddress(
                                        SocketAddress.newBuilder()
                                            .setAddress(ip)
                                            .setPortValue(8080))))));
    return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(l).build();
  }

  private static MeshSnapshot snapshot(List<Cluster> cds, List<ClusterLoadAssignment> eds) {
    MeshSnapshot.Compilation c = MeshSnapshot.compile(List.of(), List.of(), cds, eds);
    assertThat(c.rejections()).isEmpty();
    return c.snapshot();
  }

  private static Set<String> picks(UpstreamCluster c) {
    Set<String> out = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      out.add(c.pick(0, false, i).address());
    }
    return out;
  }

  @Test
  void clustersAreCreatedUpdatedAndRemoved() {
    clusters.update(
        snapshot(
            List.of(eds("a"), eds("b")),
            List.of(
                assignment("a", Map.of("10.0.0.1", 1)), assignment("b", Map.of("10.0.1.1", 1)))));
    UpstreamCluster a = clusters.cluster("a");
    assertThat(picks(a)).containsExactly("10.0.0.1");
    Host first = a.hosts().get(0);
    first.requestStarted();

    clusters.update(
        snapshot(
            List.of(eds("a")), List.of(assignment("a", Map.of("10.0.0.1", 5, "10.0.0.2", 1)))));
    assertThat(clusters.cluster("a")).isSameAs(a);
    assertThat(clusters.cluster("b")).isNull();
    assertThat(picks(a)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
    Host kept =
        a.hosts().stream().filter(h -> h.address().equals("10.0.0.1")).findFirst().orElseThrow();
    assertThat(kept).isSameAs(first);
    assertThat(kept.activeRequests()).as("state kept by address:port").isEqualTo(1);
    assertThat(kept.endpoint().weight()).isEqualTo(5);
  }

  @Test
  void aRemovedHostIsNoLongerPicked() {
    clusters.update(
        snapshot(
            List.of(eds("a")), List.of(assignment("a", Map.of("10.0.0.1", 1, "10.0.0.2", 1)))));
    clusters.update(snapshot(List.of(eds("a")), List.of(assignment("a", Map.of("10.0.0.2", 1)))));
    assertThat(picks(clusters.cluster("a"))).containsExactly("10.0.0.2");
  }

  @Test
  void anEdsClusterWithoutAssignmentHasNoHost() {
    clusters.update(snapshot(List.of(eds("a")), List.of()));
    assertThat(clusters.cluster("a").pick(0, false, 1)).isNull();
  }

  @Test
  void passthroughAndBlackHoleClusters() {
    Cluster passthrough =
        Cluster.newBuilder()
            .setName("PassthroughCluster")
            .setType(Cluster.DiscoveryType.ORIGINAL_DST)
            .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
            .build();
    Cluster blackHole =
        Cluster.newBuilder()
            .setName("BlackHoleCluster")
            .setType(Cluster.DiscoveryType.STATIC)
            .build();
    clusters.update(snapshot(List.of(passthrough, blackHole), List.of()));
    UpstreamCluster p = clusters.cluster("PassthroughCluster");
    assertThat(p.originalDestination()).isTrue();
    assertThat(p.pick(0, false, 1)).isNull();
    UpstreamCluster b = clusters.cluster("BlackHoleCluster");
    assertThat(b.originalDestination()).isFalse();
    assertThat(b.pick(0, false, 1)).as("no healthy upstream").isNull();
  }

  @Test
  void theOutlierSweepRunsOnItsInterval() throws InterruptedException {
    Cluster withOutliers =
        eds("o").toBuilder()
            .setOutlierDetection(
                io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                    .setConsecutive5Xx(UInt32Value.of(1))
                    .setMaxEjectionPercent(UInt32Value.of(100))
                    .setInterval(com.google.protobuf.Duration.newBuilder().setNanos(20_000_000))
                    .setBaseEjectionTime(
                        com.google.protobuf.Duration.newBuilder().setNanos(100_000_000)))
            .build();
    try (UpstreamClusters real = new UpstreamClusters()) {
      real.update(snapshot(List.of(withOutliers), List.of(assignment("o", Map.of("10.0.0.1", 1)))));
      Host h = real.cluster("o").hosts().get(0);
      long start = System.nanoTime();
      h.requestStarted();
      h.requestFinished(500);
      assertThat(h.ejected()).isTrue();
      while (h.ejected()) {
        assertThat(System.nanoTime() - start).as("un-ejected in time").isLessThan(5_000_000_000L);
        Thread.sleep(10);
      }
      assertThat(System.nanoTime() - start)
          .as("not before base_ejection_time")
          .isGreaterThanOrEqualTo(100_000_000L);
    }
  }
}
