package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DestinationRule {@code localityLbSetting} (translation/locality-lb.yaml): the
 * ClusterLoadAssignment each proxy gets depends on its {@code node.locality} and labels.
 */
class LocalityLoadBalancingTest {
  @TempDir Path dir;
  MeshSnapshot snapshot;

  @BeforeEach
  void load() {
    TestMesh.write(dir, "geo.yaml", TestMesh.resource("translation/locality-lb.yaml"));
    snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
  }

  private static ProxyNode proxy(String locality, Map<String, String> labels) {
    return new ProxyNode("p-" + locality, "default", labels, List.of(), locality);
  }

  private ClusterLoadAssignment cla(String host, ProxyNode node) {
    return (ClusterLoadAssignment) XdsTranslator.translate(snapshot, node)
        .get(TypeUrls.ENDPOINT, "outbound|80||" + host);
  }

  private static String localityName(LocalityLbEndpoints l) {
    return l.getLocality().getRegion() + "/" + l.getLocality().getZone() + "/"
        + l.getLocality().getSubZone();
  }

  /** locality (or locality#n for a split one) to priority. */
  private static Map<String, Integer> priorities(ClusterLoadAssignment cla) {
    Map<String, Integer> out = new TreeMap<>();
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      String name = localityName(l);
      out.put(out.containsKey(name) ? name + "#2" : name, l.getPriority());
    }
    return out;
  }

  private static Map<String, Integer> weights(ClusterLoadAssignment cla) {
    Map<String, Integer> out = new TreeMap<>();
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      out.put(localityName(l), l.getLoadBalancingWeight().getValue());
    }
    return out;
  }

  @Test
  void distributeSetsLocalityWeightsForProxiesInTheFromLocality() {
    ProxyNode eastA = proxy("us-east/a/1", Map.of());
    // 80 over zone a's two localities (one endpoint each), 20 to zone b; eu-west and
    // ap-south get nothing and are left out.
    assertThat(weights(cla("distribute.geo", eastA))).containsExactly(
        Map.entry("us-east/a/1", 40), Map.entry("us-east/a/2", 40),
        Map.entry("us-east/b/1", 20));
    assertThat(priorities(cla("distribute.geo", eastA))).containsOnlyKeys(
        "us-east/a/1", "us-east/a/2", "us-east/b/1").allSatisfy((k, p) -> assertThat(p).isZero());

    // A proxy no `from` matches gets every locality, weighted by its endpoints.
    assertThat(weights(cla("distribute.geo", proxy("eu-west/a/1", Map.of())))).containsExactly(
        Map.entry("ap-south/a/1", 1), Map.entry("eu-west/a/1", 1), Map.entry("us-east/a/1", 1),
        Map.entry("us-east/a/2", 1), Map.entry("us-east/b/1", 2));

    Cluster cluster = (Cluster) XdsTranslator.translate(snapshot, eastA)
        .get(TypeUrls.CLUSTER, "outbound|80||distribute.geo");
    assertThat(cluster.getCommonLbConfig().hasLocalityWeightedLbConfig()).isTrue();
  }

  @Test
  void failoverPutsTheNamedRegionAheadOfOtherRegions() {
    assertThat(priorities(cla("failover.geo", proxy("us-east/a/1", Map.of())))).containsExactly(
        Map.entry("ap-south/a/1", 4), // another region, not the failover one
        Map.entry("eu-west/a/1", 3), // the failover region
        Map.entry("us-east/a/1", 0), // same subzone
        Map.entry("us-east/a/2", 1), // same zone
        Map.entry("us-east/b/1", 2)); // same region
    // No failover rule from eu-west: every other region is equally far.
    assertThat(priorities(cla("failover.geo", proxy("eu-west/a/1", Map.of())))).containsExactly(
        Map.entry("ap-south/a/1", 1), Map.entry("eu-west/a/1", 0),
        Map.entry("us-east/a/1", 1), Map.entry("us-east/a/2", 1),
        Map.entry("us-east/b/1", 1));
  }

  @Test
  void failoverPriorityOrdersEndpointsByTheLabelsTheyShareWithTheProxy() {
    ProxyNode n1East = proxy("us-east/b/1", Map.of("topology.istio.io/network", "n1"));
    // Same network and region: 10.0.0.1, .3, .4; same network only: .5; other network: .2, .6.
    ClusterLoadAssignment cla = cla("priority.geo", n1East);
    Map<String, Integer> byAddress = new TreeMap<>();
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      l.getLbEndpointsList().forEach(e -> byAddress.put(
          e.getEndpoint().getAddress().getSocketAddress().getAddress(), l.getPriority()));
      assertThat(l.getLoadBalancingWeight().getValue()).isEqualTo(l.getLbEndpointsCount());
    }
    assertThat(byAddress).containsExactly(
        Map.entry("10.0.0.1", 0), Map.entry("10.0.0.2", 2), Map.entry("10.0.0.3", 0),
        Map.entry("10.0.0.4", 0), Map.entry("10.0.0.5", 1), Map.entry("10.0.0.6", 2));

    // A proxy on network n2 sees the same endpoints in another order.
    ClusterLoadAssignment n2 = cla("priority.geo",
        proxy("us-east/a/2", Map.of("topology.istio.io/network", "n2")));
    assertThat(n2.getEndpointsList()).filteredOn(l -> l.getPriority() == 0)
        .flatExtracting(LocalityLbEndpoints::getLbEndpointsList)
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
        .containsExactly("10.0.0.2");
  }

  @Test
  void failoverPriorityWithAValueComparesWithThatValue() {
    var balancer = LocalityLoadBalancer.forCluster(
        new dev.jmesh.controlplane.config.DestinationRule.LocalityLb(true, List.of(), List.of(),
            List.of("topology.istio.io/network=n2")), true);
    ClusterLoadAssignment cla = balancer.assignment("c", 80,
        snapshot.registry().service("priority.geo").endpoints(), "us-east/a/1",
        Map.of("topology.istio.io/network", "n1"));
    assertThat(cla.getEndpointsList()).filteredOn(l -> l.getPriority() == 0)
        .flatExtracting(LocalityLbEndpoints::getLbEndpointsList)
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
        .containsExactlyInAnyOrder("10.0.0.2", "10.0.0.6");
  }

  @Test
  void enabledFalseTurnsOffTheDefaultFailover() {
    // Outlier detection is on, yet every proxy sees every locality at priority 0.
    ClusterLoadAssignment cla = cla("disabled.geo", proxy("us-east/a/1", Map.of()));
    assertThat(cla.getEndpointsList()).hasSize(5)
        .extracting(LocalityLbEndpoints::getPriority).containsOnly(0);
    assertThat(cla).isEqualTo(cla("disabled.geo", proxy("eu-west/a/1", Map.of())));
  }

  @Test
  void proxiesOfOneShapeShareEverythingButTheirLocalityEndpoints() {
    ProxyNode east = proxy("us-east/a/1", Map.of());
    ProxyNode eastToo = new ProxyNode("other", "default", Map.of(), List.of(), "us-east/a/1");
    ProxyNode west = proxy("eu-west/a/1", Map.of());
    OutboundResources outbound = XdsTranslator.outbound(snapshot, east);
    ProxyResources a = XdsTranslator.translate(snapshot, east, outbound);
    ProxyResources b = XdsTranslator.translate(snapshot, west, outbound);
    ProxyResources c = XdsTranslator.translate(snapshot, eastToo, outbound);
    String failover = "outbound|80||failover.geo";
    assertThat(a.get(TypeUrls.CLUSTER, failover)).isSameAs(b.get(TypeUrls.CLUSTER, failover));
    assertThat(a.get(TypeUrls.ENDPOINT, "outbound|80||disabled.geo"))
        .isSameAs(b.get(TypeUrls.ENDPOINT, "outbound|80||disabled.geo"));
    assertThat(a.get(TypeUrls.ENDPOINT, failover))
        .isNotEqualTo(b.get(TypeUrls.ENDPOINT, failover))
        .isSameAs(c.get(TypeUrls.ENDPOINT, failover));
    assertThat(outbound.localityKey(east)).isEqualTo(outbound.localityKey(eastToo))
        .isNotEqualTo(outbound.localityKey(west));
  }

  @Test
  void withoutLocalityClustersTheLocalityDoesNotSplitViews() {
    TestMesh.write(dir, "geo.yaml", TestMesh.resource("bookinfo/services.yaml"));
    MeshSnapshot plain = TestMesh.load(dir);
    OutboundResources outbound =
        XdsTranslator.outbound(plain, proxy("us-east/a/1", Map.of()));
    assertThat(outbound.localityKey(proxy("us-east/a/1", Map.of())))
        .isEqualTo(outbound.localityKey(proxy("eu-west/a/1", Map.of()))).isEmpty();
  }

  @Test
  void proxyLocalityComesFromTheNode() {
    var node = io.envoyproxy.envoy.config.core.v3.Node.newBuilder().setId("p")
        .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
            .setRegion("us-east").setZone("a").setSubZone("1"))
        .build();
    assertThat(ProxyNode.from(node).locality()).isEqualTo("us-east/a/1");
    assertThat(ProxyNode.from(node.toBuilder().setLocality(
        io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setZone("a")).build())
        .locality()).isEqualTo("/a/");
    assertThat(ProxyNode.from(node.toBuilder().clearLocality().build()).locality()).isEmpty();
  }
}
