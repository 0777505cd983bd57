package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint whose workload the control plane knows carries istiod's {@code
 * filter_metadata.istio.workload}, so the caller's metrics name the workload that answered.
 */
class EndpointWorkloadMetadataTest {
  @TempDir Path dir;

  private static final ProxyNode AGENT = new ProxyNode("productpage-v1", "default",
      Map.of("app", "productpage"), List.of(), "", ProxyNode.JMESH_AGENT);

  @Test
  void workloadEntriesAndRegisteredWorkloadsAreNamedAsTheyNameThemselves() {
    // reviews-v2 registered by jmesh's agent: it reports itself by its service's name.
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml")
        .replace("  name: reviews-v2\n", "  name: reviews-v2\n  labels: {jmesh.dev/service: reviews}\n"));
    TestMesh.write(dir, "legacy.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: legacy}",
        "spec:",
        "  hosts: [legacy.example]",
        "  ports: [{number: 80, name: http}]",
        "  resolution: STATIC",
        "  endpoints: [{address: 10.9.0.1}]",
        ""));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    ProxyResources resources = XdsTranslator.translate(snapshot, AGENT);
    assertThat(workloads(resources, "outbound|9080||reviews.default.svc.cluster.local"))
        .containsExactly(
            Map.entry("127.0.0.13", "reviews-v1;default;reviews;v1;"),
            Map.entry("127.0.0.14", "reviews;default;reviews;v2;"),
            Map.entry("127.0.0.15", "reviews-v3;default;reviews;v3;"));
    // An inline ServiceEntry endpoint names no workload: no metadata rather than a guess.
    assertThat(workloads(resources, "outbound|80||legacy.example"))
        .containsExactly(Map.entry("10.9.0.1", ""));
  }

  private static Map<String, String> workloads(ProxyResources resources, String cluster) {
    ClusterLoadAssignment cla = (ClusterLoadAssignment) resources.get(TypeUrls.ENDPOINT, cluster);
    Map<String, String> out = new TreeMap<>();
    for (var locality : cla.getEndpointsList()) {
      for (LbEndpoint e : locality.getLbEndpointsList()) {
        out.put(e.getEndpoint().getAddress().getSocketAddress().getAddress(),
            e.getMetadata().getFilterMetadataOrDefault("istio", Struct.getDefaultInstance())
                .getFieldsOrDefault("workload", Value.getDefaultInstance()).getStringValue());
      }
    }
    return out;
  }
}
