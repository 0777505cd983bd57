package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Istio's HTTPDirectResponse becomes Envoy's {@code direct_response}; bad ones are refused. */
class DirectResponseTest {
  @TempDir Path dir;

  private static final ProxyNode PRODUCTPAGE = new ProxyNode("productpage-v1", "default",
      Map.of("app", "productpage"), List.of(), "", ProxyNode.JMESH_AGENT);

  private MeshSnapshot load(String http) {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "vs.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: VirtualService",
        "metadata: {name: ratings}",
        "spec:",
        "  hosts: [ratings]",
        "  http:",
        http,
        ""));
    return TestMesh.load(dir);
  }

  @Test
  void aDirectResponseRouteAnswersWithItsStatusAndBody() {
    MeshSnapshot snapshot = load(String.join("\n",
        "  - match: [{uri: {prefix: /maintenance}}]",
        "    directResponse: {status: 503, body: {string: 'down for maintenance'}}",
        "  - match: [{uri: {prefix: /gone}}]",
        "    directResponse: {status: 410, body: {bytes: Z29uZQ==}}",
        "  - route: [{destination: {host: ratings}}]"));
    assertThat(snapshot.diagnostics()).isEmpty();
    List<Route> routes = ((RouteConfiguration) XdsTranslator.translate(snapshot, PRODUCTPAGE)
        .get(TypeUrls.ROUTE, "ratings.default.svc.cluster.local:9080"))
        .getVirtualHosts(0).getRoutesList();
    assertThat(routes.get(0).getDirectResponse().getStatus()).isEqualTo(503);
    assertThat(routes.get(0).getDirectResponse().getBody().getInlineBytes().toStringUtf8())
        .isEqualTo("down for maintenance");
    assertThat(routes.get(1).getDirectResponse().getStatus()).isEqualTo(410);
    assertThat(routes.get(1).getDirectResponse().getBody().getInlineBytes().toStringUtf8())
        .isEqualTo("gone");
    assertThat(routes.get(2).hasRoute()).isTrue();
  }

  @Test
  void badDirectResponsesAreRefusedSayingWhy() {
    assertThat(load("  - directResponse: {body: {string: x}}").diagnostics().toString())
        .contains("directResponse.status: is required");
    assertThat(load("  - directResponse: {status: 42}").diagnostics().toString())
        .contains("directResponse.status: 42 is not an HTTP status in 200-599");
    assertThat(load("  - directResponse: {status: 200, body: {string: a, bytes: YQ==}}")
        .diagnostics().toString())
        .contains("directResponse.body: give exactly one of string or bytes");
    assertThat(load("  - directResponse: {status: 200, body: {bytes: 'not base64!'}}")
        .diagnostics().toString())
        .contains("directResponse.body.bytes: not base64");
    assertThat(load(String.join("\n",
        "  - directResponse: {status: 200}",
        "    route: [{destination: {host: ratings}}]")).diagnostics().toString())
        .contains("give one of route, redirect or directResponse");
  }
}
