package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * YAML in, xDS out, for the fields of issue 4 that bookinfo and the other translation files
 * leave out (translation/coverage: a non-default mesh.yaml, Kubernetes Service and
 * EndpointSlice, ServiceEntry selecting WorkloadEntries, root-namespace Sidecar and
 * DestinationRule, TLS modes, hash keys, authority/port/sourceLabels matches).
 */
class IstioFieldsTranslationTest {
  static final String VM = "vm.shop.internal";
  static final ProxyNode PRODUCTPAGE =
      new ProxyNode("productpage-v1", "default", Map.of("app", "productpage"));
  static final ProxyNode RATINGS = new ProxyNode("ratings-v1", "default", Map.of("app", "ratings"));

  @TempDir Path dir;
  MeshSnapshot snapshot;

  @BeforeEach
  void load() {
    TestMesh.write(dir, "mesh.yaml", TestMesh.resource("translation/coverage/mesh.yaml"));
    TestMesh.write(dir, "resources.yaml",
        TestMesh.resource("translation/coverage/resources.yaml"));
    snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
  }

  private ProxyResources of(ProxyNode node) {
    return XdsTranslator.translate(snapshot, node);
  }

  private static String address(LbEndpoint e) {
    return e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
        + e.getEndpoint().getAddress().getSocketAddress().getPortValue();
  }

  @Test
  void kubernetesServiceAndEndpointSlice() throws Exception {
    ProxyResources r = of(PRODUCTPAGE);
    String host = "ratings.shop.svc.cluster.local";
    assertThat(r.get(TypeUrls.LISTENER, host + ":9090")).isNotNull();
    RouteConfiguration routes = (RouteConfiguration) r.get(TypeUrls.ROUTE, host + ":9090");
    assertThat(routes.getVirtualHosts(0).getDomainsList())
        .contains("ratings.shop:9090", "10.96.0.10:9090");
    Cluster cluster = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9090||" + host);
    // grpc-api: the port name makes it gRPC, so the cluster speaks HTTP/2.
    assertThat(cluster.getTypedExtensionProtocolOptionsOrThrow(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(HttpProtocolOptions.class).getExplicitHttpConfig().hasHttp2ProtocolOptions())
        .isTrue();
    ClusterLoadAssignment cla =
        (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT, "outbound|9090||" + host);
    assertThat(cla.getEndpointsList()).flatExtracting(l -> l.getLbEndpointsList())
        .extracting(IstioFieldsTranslationTest::address, LbEndpoint::getHealthStatus)
        .containsExactlyInAnyOrder(Tuple.tuple("10.0.0.5:19090", HealthStatus.HEALTHY),
            Tuple.tuple("10.0.0.6:19090", HealthStatus.UNHEALTHY));
    // The slice's zone is the endpoint's zone (a slice does not know the region).
    assertThat(cla.getEndpointsList()).filteredOn(l -> l.getLocality().getZone().equals("z1"))
        .singleElement().satisfies(l -> assertThat(l.getLocality().getRegion()).isEmpty());
  }

  @Test
  void serviceEntryWorkloadSelectorAndWorkloadEntryFields() {
    ProxyResources r = of(PRODUCTPAGE);
    ClusterLoadAssignment all =
        (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT, "outbound|8080||" + VM);
    assertThat(all.getEndpointsList()).flatExtracting(l -> l.getLbEndpointsList())
        .extracting(IstioFieldsTranslationTest::address, e -> e.getLoadBalancingWeight().getValue())
        .containsExactlyInAnyOrder(Tuple.tuple("10.1.0.1:18080", 3),
            Tuple.tuple("10.1.0.2:18080", 1));
    assertThat(all.getEndpointsList())
        .filteredOn(l -> l.getLocality().getRegion().equals("us-east"))
        .singleElement().satisfies(l -> assertThat(l.getLocality().getZone()).isEqualTo("a"));
    ClusterLoadAssignment admin =
        (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT, "outbound|8081|v1|" + VM);
    assertThat(admin.getEndpointsList()).flatExtracting(l -> l.getLbEndpointsList())
        .extracting(IstioFieldsTranslationTest::address).containsExactly("10.1.0.1:18081");
  }

  @Test
  void meshConfigTrustDomainRootNamespaceAndDefaults() throws Exception {
    var mesh = snapshot.meshConfig();
    assertThat(mesh.trustDomain()).isEqualTo("example.org");
    assertThat(mesh.rootNamespace()).isEqualTo("mesh-root");
    assertThat(mesh.enableAutoMtls()).isFalse();
    assertThat(mesh.defaultConfig().discoveryAddress()).isEqualTo("cp.mesh-root:15012");
    assertThat(mesh.defaultConfig().holdApplicationUntilProxyStarts()).isTrue();
    assertThat(mesh.defaultConfig().tracingSampling()).isEqualTo(2.5);
    assertThat(mesh.extensionProviders()).extracting(p -> p.name()).containsExactly("otel");

    ProxyResources r = of(PRODUCTPAGE);
    // The root namespace's Sidecar scopes every proxy without one of its own.
    assertThat(r.get(TypeUrls.LISTENER, "hidden.default.internal:80")).isNull();
    assertThat(r.get(TypeUrls.LISTENER, VM + ":8080")).isNotNull();
    // The root namespace's DestinationRule applies; SPIFFE IDs carry the trust domain.
    Cluster cluster = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|8080||" + VM);
    UpstreamTlsContext tls =
        cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getCommonTlsContext().getValidationContext().getMatchTypedSubjectAltNamesList())
        .extracting(m -> m.getMatcher().getExact())
        .containsExactly("spiffe://example.org/ns/shop/sa/vm-sa");
  }

  @Test
  void destinationRuleTlsModesHashKeysAndIdleTimeout() throws Exception {
    ProxyResources r = of(PRODUCTPAGE);
    Cluster v1 = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|8080|v1|" + VM);
    UpstreamTlsContext simple =
        v1.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(simple.getSni()).isEqualTo("vm.example");
    assertThat(simple.getCommonTlsContext().hasTlsCertificateProviderInstance()).isFalse();
    assertThat(simple.getCommonTlsContext().getValidationContext()
        .getMatchTypedSubjectAltNamesList()).extracting(m -> m.getMatcher().getExact())
        .containsExactly("vm.example");
    Cluster plain = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|8080|plain|" + VM);
    assertThat(plain.hasTransportSocket()).isFalse();
    Cluster all = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|8080||" + VM);
    assertThat(all.getTypedExtensionProtocolOptionsOrThrow(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(HttpProtocolOptions.class).getCommonHttpProtocolOptions().getIdleTimeout()
        .getSeconds()).isEqualTo(30);
    assertThat(all.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);

    List<Route> routes = ((RouteConfiguration) r.get(TypeUrls.ROUTE, VM + ":8080"))
        .getVirtualHosts(0).getRoutesList();
    Route byAuthority = routes.get(0);
    assertThat(byAuthority.getRoute().getHashPolicy(0).getConnectionProperties().getSourceIp())
        .isTrue();
    Route rest = routes.get(routes.size() - 1);
    var cookie = rest.getRoute().getHashPolicy(0).getCookie();
    assertThat(cookie.getName()).isEqualTo("session");
    assertThat(cookie.getPath()).isEqualTo("/");
    assertThat(cookie.getTtl().getSeconds()).isEqualTo(60);
  }

  @Test
  void virtualServiceAuthorityPortAndSourceLabelsMatches() {
    List<Route> fromProductpage = ((RouteConfiguration) of(PRODUCTPAGE)
        .get(TypeUrls.ROUTE, VM + ":8080")).getVirtualHosts(0).getRoutesList();
    // admin-port matches port 8081 only; from-productpage matches productpage only.
    assertThat(fromProductpage).extracting(Route::getName)
        .containsExactly("by-authority", "from-productpage", "rest");
    assertThat(fromProductpage.get(0).getMatch().getHeaders(0).getName())
        .isEqualTo(":authority");
    assertThat(fromProductpage.get(0).getMatch().getHeaders(0).getStringMatch().getExact())
        .isEqualTo("vm.example");
    // Weights are relative (Istio 1.15+): 1 and 3 stay 1 and 3.
    assertThat(fromProductpage.get(1).getRoute().getWeightedClusters().getClustersList())
        .extracting(WeightedCluster.ClusterWeight::getName, c -> c.getWeight().getValue())
        .containsExactly(Tuple.tuple("outbound|8080|v1|" + VM, 1),
            Tuple.tuple("outbound|8080|plain|" + VM, 3));
    // A route without retries or timeout gets Istio's defaults: 2 retries, timeout 0s (none).
    var rest = fromProductpage.get(2).getRoute();
    assertThat(rest.getRetryPolicy()).isEqualTo(RouteBuilder.defaultRetryPolicy());
    assertThat(rest.getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
    assertThat(rest.hasTimeout()).isTrue();
    assertThat(rest.getTimeout().getSeconds()).isZero();

    assertThat(((RouteConfiguration) of(RATINGS).get(TypeUrls.ROUTE, VM + ":8080"))
        .getVirtualHosts(0).getRoutesList()).extracting(Route::getName)
        .containsExactly("by-authority", "rest");
    List<Route> admin = ((RouteConfiguration) of(RATINGS).get(TypeUrls.ROUTE, VM + ":8081"))
        .getVirtualHosts(0).getRoutesList();
    assertThat(admin).extracting(Route::getName)
        .containsExactly("by-authority", "admin-port", "rest");
    assertThat(admin.get(1).getRoute().getCluster()).isEqualTo("outbound|8081||" + VM);
  }
}
