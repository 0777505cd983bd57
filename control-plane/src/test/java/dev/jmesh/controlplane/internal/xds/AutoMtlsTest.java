package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's auto mTLS: clusters without a DestinationRule {@code tls} pick ISTIO_MUTUAL or
 * plaintext per endpoint through {@code transport_socket_matches}, for clients that take them;
 * endpoints of meshed workloads say {@code tlsMode: istio}.
 */
class AutoMtlsTest {
  static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
  static final String LEGACY = "outbound|80||legacy.example";
  static final ProxyNode AGENT = new ProxyNode("productpage-v1", "default",
      Map.of("app", "productpage"), List.of(), "", ProxyNode.JMESH_AGENT);
  static final ProxyNode GRPC = new ProxyNode("grpc-client", "default",
      Map.of("app", "productpage"), List.of(), "", "gRPC Java");

  @TempDir Path dir;

  @BeforeEach
  void services() {
    // reviews: v1 meshed by Istio's label, v2 registered by jmesh's agent, v3 plain.
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml")
        .replace("labels: {app: reviews, version: v1}",
            "labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio}")
        .replace("  name: reviews-v2\n",
            "  name: reviews-v2\n  labels: {jmesh.dev/service: reviews}\n"));
    TestMesh.write(dir, "legacy.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: legacy}",
        "spec:",
        "  hosts: [legacy.example]",
        "  location: MESH_INTERNAL",
        "  ports: [{number: 80, name: http}]",
        "  resolution: STATIC",
        "  endpoints: [{address: 10.9.0.1}]",
        "---",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: api}",
        "spec:",
        "  hosts: [api.example]",
        "  ports: [{number: 80, name: http}]",
        "  resolution: STATIC",
        "  endpoints: [{address: 10.9.0.2}]",
        ""));
  }

  private ProxyResources translate(ProxyNode node, String... files) {
    for (int i = 0; i < files.length; i += 2) {
      TestMesh.write(dir, files[i], files[i + 1]);
    }
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    return XdsTranslator.translate(snapshot, node);
  }

  @Test
  void clusterWithoutTlsGetsIstioThenPlaintextMatches() throws Exception {
    ProxyResources r = translate(AGENT);
    Cluster c = (Cluster) r.get(TypeUrls.CLUSTER, REVIEWS);
    assertThat(c.hasTransportSocket()).isFalse();
    assertThat(c.getTransportSocketMatchesList()).extracting(Cluster.TransportSocketMatch::getName)
        .containsExactly("tlsMode-istio", "tlsMode-disabled");
    Cluster.TransportSocketMatch istio = c.getTransportSocketMatches(0);
    assertThat(istio.getMatch().getFieldsOrThrow("tlsMode").getStringValue()).isEqualTo("istio");
    UpstreamTlsContext tls = istio.getTransportSocket().getTypedConfig()
        .unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("outbound_.9080_._.reviews.default.svc.cluster.local");
    assertThat(tls.getCommonTlsContext().getTlsCertificateProviderInstance()
        .getCertificateName()).isEqualTo("default");
    assertThat(tls.getCommonTlsContext().getValidationContext().getMatchTypedSubjectAltNames(0)
        .getMatcher().getExact())
        .isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
    Cluster.TransportSocketMatch plain = c.getTransportSocketMatches(1);
    assertThat(plain.getMatch().getFieldsCount()).isZero();
    assertThat(plain.getTransportSocket().getName())
        .isEqualTo("envoy.transport_sockets.raw_buffer");

    // A mesh-internal ServiceEntry gets the matches, but its plain endpoints carry no tlsMode
    // (so they get plaintext); a mesh-external one (the default location) gets none.
    assertThat(((Cluster) r.get(TypeUrls.CLUSTER, LEGACY)).getTransportSocketMatchesCount())
        .isEqualTo(2);
    assertThat(((Cluster) r.get(TypeUrls.CLUSTER, "outbound|80||api.example"))
        .getTransportSocketMatchesCount()).isZero();
    ClusterLoadAssignment legacy = (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT, LEGACY);
    assertThat(legacy.getEndpoints(0).getLbEndpoints(0).hasMetadata()).isFalse();
  }

  @Test
  void meshedEndpointsCarryTlsModeIstio() {
    ClusterLoadAssignment cla = (ClusterLoadAssignment) translate(AGENT)
        .get(TypeUrls.ENDPOINT, REVIEWS);
    Map<String, Boolean> meshed = new java.util.TreeMap<>();
    for (var locality : cla.getEndpointsList()) {
      for (LbEndpoint e : locality.getLbEndpointsList()) {
        meshed.put(e.getEndpoint().getAddress().getSocketAddress().getAddress(),
            e.getMetadata().getFilterMetadataOrDefault("envoy.transport_socket_match",
                com.google.protobuf.Struct.getDefaultInstance())
                .getFieldsOrDefault("tlsMode", com.google.protobuf.Value.getDefaultInstance())
                .getStringValue().equals("istio"));
      }
    }
    assertThat(meshed).containsExactly(Map.entry("127.0.0.13", true),
        Map.entry("127.0.0.14", true), Map.entry("127.0.0.15", false));
  }

  @Test
  void kubernetesSliceMarkedAsMeshedGivesTlsModeIstio() {
    String slice = String.join("\n",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {name: web}",
        "spec: {ports: [{name: http, port: 80, targetPort: 8080}]}",
        "---",
        "apiVersion: discovery.k8s.io/v1",
        "kind: EndpointSlice",
        "metadata:",
        "  name: web-abc",
        "  labels: {kubernetes.io/service-name: web, security.istio.io/tlsMode: istio}",
        "addressType: IPv4",
        "ports: [{name: http, port: 8080}]",
        "endpoints: [{addresses: [10.1.0.5]}]",
        "");
    ClusterLoadAssignment cla = (ClusterLoadAssignment) translate(AGENT, "web.yaml", slice)
        .get(TypeUrls.ENDPOINT, "outbound|80||web.default.svc.cluster.local");
    assertThat(cla.getEndpoints(0).getLbEndpoints(0).getMetadata()
        .getFilterMetadataOrThrow("envoy.transport_socket_match").getFieldsOrThrow("tlsMode")
        .getStringValue()).isEqualTo("istio");
    ClusterLoadAssignment plain = (ClusterLoadAssignment) translate(AGENT, "web.yaml",
        slice.replace(", security.istio.io/tlsMode: istio", ""))
        .get(TypeUrls.ENDPOINT, "outbound|80||web.default.svc.cluster.local");
    assertThat(plain.getEndpoints(0).getLbEndpoints(0).hasMetadata()).isFalse();
  }

  @Test
  void grpcClientsGetNoMatchesBecauseGrpcXdsRejectsThem() {
    Cluster c = (Cluster) translate(GRPC).get(TypeUrls.CLUSTER, REVIEWS);
    assertThat(c.getTransportSocketMatchesCount()).isZero();
    assertThat(c.hasTransportSocket()).isFalse();
    assertThat(XdsTranslator.shapeKey(GRPC)).isNotEqualTo(XdsTranslator.shapeKey(AGENT));
    // Who the client is comes from the node's user_agent_name.
    assertThat(ProxyNode.from(io.envoyproxy.envoy.config.core.v3.Node.newBuilder()
        .setId("a").setUserAgentName("jmesh").build()).takesTransportSocketMatches()).isTrue();
    assertThat(ProxyNode.from(io.envoyproxy.envoy.config.core.v3.Node.newBuilder()
        .setId("g").setUserAgentName("gRPC Java").build()).takesTransportSocketMatches())
        .isFalse();
  }

  @Test
  void destinationRuleTlsWinsAndDisableMeansPlaintext() throws Exception {
    ProxyResources r = translate(AGENT, "dr.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: reviews}",
        "spec:",
        "  host: reviews",
        "  trafficPolicy: {tls: {mode: DISABLE}}",
        "  subsets:",
        "  - name: v1",
        "    labels: {version: v1}",
        "    trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}",
        "---",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: legacy}",
        "spec:",
        "  host: legacy.example",
        "  trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}",
        ""));
    Cluster disabled = (Cluster) r.get(TypeUrls.CLUSTER, REVIEWS);
    assertThat(disabled.getTransportSocketMatchesCount()).isZero();
    assertThat(disabled.hasTransportSocket()).isFalse();
    Cluster v1 = (Cluster) r.get(TypeUrls.CLUSTER,
        "outbound|9080|v1|reviews.default.svc.cluster.local");
    assertThat(v1.getTransportSocketMatchesCount()).isZero();
    assertThat(v1.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class)
        .getSni()).isEqualTo("outbound_.9080_.v1_.reviews.default.svc.cluster.local");
    // A rule without tls leaves auto mTLS on.
    assertThat(((Cluster) r.get(TypeUrls.CLUSTER, LEGACY)).getTransportSocketMatchesCount())
        .isEqualTo(2);
  }

  @Test
  void meshConfigTurnsItOff() {
    Cluster c = (Cluster) translate(AGENT, "mesh.yaml", "enableAutoMtls: false\n")
        .get(TypeUrls.CLUSTER, REVIEWS);
    assertThat(c.getTransportSocketMatchesCount()).isZero();
  }

  @Test
  void namespaceThatDisablesMtlsGetsPlaintext() {
    String pa = String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: PeerAuthentication",
        "metadata: {name: off, namespace: NS}",
        "spec: {mtls: {mode: DISABLE}}",
        "");
    assertThat(((Cluster) translate(AGENT, "pa.yaml", pa.replace("NS", "default"))
        .get(TypeUrls.CLUSTER, REVIEWS)).getTransportSocketMatchesCount()).isZero();
    assertThat(((Cluster) translate(AGENT, "pa.yaml", pa.replace("NS", "istio-system"))
        .get(TypeUrls.CLUSTER, REVIEWS)).getTransportSocketMatchesCount()).isZero();
    assertThat(((Cluster) translate(AGENT, "pa.yaml", pa.replace("NS", "other"))
        .get(TypeUrls.CLUSTER, REVIEWS)).getTransportSocketMatchesCount()).isEqualTo(2);
  }

  @Test
  void allowAnyGoesToPassthroughCluster() throws Exception {
    Listener l = (Listener) translate(AGENT).get(TypeUrls.LISTENER, "virtualOutbound");
    assertThat(l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class)
        .getCluster()).isEqualTo("PassthroughCluster");
  }
}
