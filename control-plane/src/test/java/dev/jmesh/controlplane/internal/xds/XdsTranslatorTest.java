package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML in, xDS out, for Istio's bookinfo samples and the fields they do not cover. */
class XdsTranslatorTest {
  static final String REVIEWS = "reviews.default.svc.cluster.local";
  static final ProxyNode PRODUCTPAGE =
      new ProxyNode("productpage-v1", "default", Map.of("app", "productpage", "version", "v1"));

  @TempDir Path dir;

  private ProxyResources bookinfo(String... samples) throws IOException {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    for (String s : samples) {
      TestMesh.write(dir, s, Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve(s)));
    }
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(TestMesh.errors(snapshot)).isEmpty();
    return XdsTranslator.translate(snapshot, PRODUCTPAGE);
  }

  private static RouteConfiguration routes(ProxyResources r, String host) {
    return (RouteConfiguration) r.get(TypeUrls.ROUTE, host + ":9080");
  }

  @Test
  void listenerPerServicePortInProxylessShape() throws Exception {
    ProxyResources r = bookinfo();
    assertThat(r.all(TypeUrls.LISTENER).keySet()).containsExactly(
        "details.default.svc.cluster.local:9080", "productpage.default.svc.cluster.local:9080",
        "ratings.default.svc.cluster.local:9080", REVIEWS + ":9080", "virtualOutbound");
    Listener l = (Listener) r.get(TypeUrls.LISTENER, REVIEWS + ":9080");
    HttpConnectionManager hcm = l.getApiListener().getApiListener()
        .unpack(HttpConnectionManager.class);
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(REVIEWS + ":9080");
    assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.fault", "envoy.filters.http.router");
  }

  /** PRODUCTPAGE as jmesh's agent says it: a client of any address the application dials. */
  static final ProxyNode PRODUCTPAGE_AGENT = new ProxyNode(PRODUCTPAGE.id(),
      PRODUCTPAGE.namespace(), PRODUCTPAGE.labels(), List.of(), "", ProxyNode.JMESH_AGENT);

  @Test
  void aHostNamingNoServicePassesThroughUnderAllowAny() throws Exception {
    bookinfo();
    ProxyResources r = XdsTranslator.translate(TestMesh.load(dir), PRODUCTPAGE_AGENT);
    RouteConfiguration reviews = routes(r, REVIEWS);
    assertThat(reviews.getVirtualHostsList()).extracting(v -> v.getName())
        .containsExactly(REVIEWS + ":9080", "allow_any");
    var allowAny = reviews.getVirtualHosts(1);
    assertThat(allowAny.getDomainsList()).containsExactly("*");
    assertThat(allowAny.getRoutes(0).getMatch().getPrefix()).isEqualTo("/");
    assertThat(allowAny.getRoutes(0).getRoute().getCluster()).isEqualTo("PassthroughCluster");
    assertThat(allowAny.getRoutes(0).getRoute().getTimeout().getSeconds()).isZero();
    assertThat(r.all(TypeUrls.CLUSTER)).containsKey("PassthroughCluster");
    // Proxyless gRPC (PRODUCTPAGE names no user agent) addresses services by name only.
    assertThat(routes(bookinfo(), REVIEWS).getVirtualHostsList()).extracting(v -> v.getName())
        .containsExactly(REVIEWS + ":9080");
  }

  @Test
  void shortListenerNamesResolveInTheProxyNamespace() throws Exception {
    ProxyResources r = bookinfo();
    Listener l = (Listener) r.get(TypeUrls.LISTENER, "reviews:9080");
    assertThat(l.getName()).isEqualTo("reviews:9080");
    assertThat(r.get(TypeUrls.LISTENER, "reviews.default:9080")).isNotNull();
    assertThat(r.get(TypeUrls.LISTENER, "reviews:9999")).isNull();
    assertThat(r.get(TypeUrls.LISTENER, "nosuch:9080")).isNull();
    assertThat(routes(r, REVIEWS).getVirtualHosts(0).getDomainsList())
        .contains("reviews:9080", "reviews.default:9080", REVIEWS + ":9080");
  }

  @Test
  void clustersAreNamedLikeIstioWithSubsetEndpoints() throws Exception {
    ProxyResources r = bookinfo();
    assertThat(r.all(TypeUrls.CLUSTER).keySet()).contains(
        "outbound|9080||" + REVIEWS, "outbound|9080|v1|" + REVIEWS, "outbound|9080|v2|" + REVIEWS,
        "outbound|9080|v3|" + REVIEWS);
    Cluster v2 = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080|v2|" + REVIEWS);
    assertThat(v2.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(v2.getEdsClusterConfig().getServiceName()).isEqualTo(v2.getName());
    assertThat(v2.getConnectTimeout().getSeconds()).isEqualTo(10);
    ClusterLoadAssignment all =
        (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT, "outbound|9080||" + REVIEWS);
    assertThat(all.getEndpoints(0).getLbEndpointsCount()).isEqualTo(3);
    assertThat(all.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(3);
    ClusterLoadAssignment only2 =
        (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT, "outbound|9080|v2|" + REVIEWS);
    assertThat(only2.getEndpoints(0).getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
            + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly("127.0.0.14:9080");
    ClusterLoadAssignment mysql = (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT,
        "outbound|9080|v2-mysql|ratings.default.svc.cluster.local");
    assertThat(mysql.getEndpointsCount()).isZero();
  }

  @Test
  void withoutVirtualServiceTheDefaultRouteHasIstiosDefaultRetries() throws Exception {
    Route route = routes(bookinfo(), REVIEWS).getVirtualHosts(0).getRoutes(0);
    assertThat(route.getMatch().getPrefix()).isEqualTo("/");
    assertThat(route.getRoute().getCluster()).isEqualTo("outbound|9080||" + REVIEWS);
    // Istio's default timeout: 0s, set explicitly (an unset timeout is Envoy's 15 s).
    assertThat(route.getRoute().hasTimeout()).isTrue();
    assertThat(route.getRoute().getTimeout().getSeconds()).isZero();
    assertThat(route.getRoute().getTimeout().getNanos()).isZero();
    var retry = route.getRoute().getRetryPolicy();
    assertThat(retry.getNumRetries().getValue()).isEqualTo(2);
    assertThat(retry.getRetryOn())
        .isEqualTo("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
    assertThat(retry.getRetriableStatusCodesList()).containsExactly(503);
    assertThat(retry.getHostSelectionRetryMaxAttempts()).isEqualTo(5);
    assertThat(retry.getRetryHostPredicate(0).getName())
        .isEqualTo("envoy.retry_host_predicates.previous_hosts");
  }

  @Test
  void weightedSplit80To20() throws Exception {
    Route route = routes(bookinfo("virtual-service-reviews-80-20.yaml"), REVIEWS)
        .getVirtualHosts(0).getRoutes(0);
    assertThat(route.getRoute().getWeightedClusters().getClustersList())
        .extracting(WeightedCluster.ClusterWeight::getName, c -> c.getWeight().getValue())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("outbound|9080|v1|" + REVIEWS, 80),
            org.assertj.core.groups.Tuple.tuple("outbound|9080|v2|" + REVIEWS, 20));
  }

  @Test
  void headerMatchRoutesJasonToV2AndOthersToV3() throws Exception {
    List<Route> routes = routes(bookinfo("virtual-service-reviews-jason-v2-v3.yaml"), REVIEWS)
        .getVirtualHosts(0).getRoutesList();
    assertThat(routes).hasSize(2);
    assertThat(routes.get(0).getMatch().getHeaders(0).getName()).isEqualTo("end-user");
    assertThat(routes.get(0).getMatch().getHeaders(0).getStringMatch().getExact())
        .isEqualTo("jason");
    assertThat(routes.get(0).getRoute().getCluster()).isEqualTo("outbound|9080|v2|" + REVIEWS);
    assertThat(routes.get(1).getMatch().getPrefix()).isEqualTo("/");
    assertThat(routes.get(1).getRoute().getCluster()).isEqualTo("outbound|9080|v3|" + REVIEWS);
    // Each route names its VirtualService as istiod does, for mesh config / istioctl to show.
    assertThat(routes).allSatisfy(r -> assertThat(r.getMetadata().getFilterMetadataOrThrow("istio")
            .getFieldsOrThrow("config").getStringValue())
        .isEqualTo("/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews"));
  }

  @Test
  void abortFaultWithOldPercentField() throws Exception {
    Route route = routes(bookinfo("virtual-service-ratings-test-abort.yaml"),
        "ratings.default.svc.cluster.local").getVirtualHosts(0).getRoutes(0);
    HTTPFault fault = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault")
        .unpack(HTTPFault.class);
    assertThat(fault.getAbort().getHttpStatus()).isEqualTo(500);
    assertThat(fault.getAbort().getPercentage().getNumerator()).isEqualTo(1_000_000);
    assertThat(fault.getAbort().getPercentage().getDenominator())
        .isEqualTo(FractionalPercent.DenominatorType.MILLION);
    assertThat(fault.hasDelay()).isFalse();
  }

  @Test
  void delayFault() throws Exception {
    Route route = routes(bookinfo("virtual-service-ratings-test-delay.yaml"),
        "ratings.default.svc.cluster.local").getVirtualHosts(0).getRoutes(0);
    HTTPFault fault = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault")
        .unpack(HTTPFault.class);
    assertThat(fault.getDelay().getFixedDelay().getSeconds()).isEqualTo(7);
    assertThat(fault.getDelay().getPercentage().getNumerator()).isEqualTo(1_000_000);
  }

  @Test
  void everySampleTranslatesForEveryService() throws Exception {
    try (var files = Files.list(TestMesh.BOOKINFO_SAMPLES)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("destination-rule")) {
          continue;
        }
        ProxyResources r = bookinfo(name);
        assertThat(r.all(TypeUrls.ROUTE)).as(name).hasSize(4);
        for (var rc : r.all(TypeUrls.ROUTE).values()) {
          for (Route route : ((RouteConfiguration) rc).getVirtualHosts(0).getRoutesList()) {
            for (String c : clustersOf(route)) {
              assertThat(r.all(TypeUrls.CLUSTER)).as(name + " " + c).containsKey(c);
            }
          }
        }
        Files.delete(dir.resolve(name));
      }
    }
  }

  private static List<String> clustersOf(Route route) {
    if (route.getRoute().hasWeightedClusters()) {
      return route.getRoute().getWeightedClusters().getClustersList().stream()
          .map(WeightedCluster.ClusterWeight::getName).toList();
    }
    return List.of(route.getRoute().getCluster());
  }

  @Test
  void routeFieldsBeyondBookinfo() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    TestMesh.write(dir, "vs.yaml", TestMesh.resource("translation/reviews-everything.yaml"));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    List<Route> routes = routes(XdsTranslator.translate(snapshot, PRODUCTPAGE), REVIEWS)
        .getVirtualHosts(0).getRoutesList();
    // The sourceLabels match (app: ratings) does not apply to productpage.
    assertThat(routes).extracting(Route::getName)
        .containsExactly("api", "api", "legacy", "canary", "rest");

    Route api = routes.get(0);
    assertThat(api.getMatch().getPrefix()).isEqualTo("/api/");
    assertThat(api.getMatch().getHeaders(0).getName()).isEqualTo(":method");
    assertThat(api.getMatch().getHeaders(0).getStringMatch().getExact()).isEqualTo("GET");
    assertThat(api.getMatch().getQueryParameters(0).getStringMatch().getExact()).isEqualTo("1");
    assertThat(routes.get(1).getMatch().getSafeRegex().getRegex()).isEqualTo("/v[0-9]+/.*");
    assertThat(routes.get(1).getMatch().getCaseSensitive().getValue()).isFalse();
    assertThat(api.getRoute().getTimeout().getNanos()).isEqualTo(500_000_000);
    assertThat(api.getRoute().getMaxStreamDuration().getMaxStreamDuration().getNanos())
        .isEqualTo(500_000_000);
    assertThat(api.getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(3);
    assertThat(api.getRoute().getRetryPolicy().getRetryOn())
        .isEqualTo("gateway-error,connect-failure,retriable-status-codes");
    assertThat(api.getRoute().getRetryPolicy().getRetriableStatusCodesList()).containsExactly(409);
    assertThat(api.getRoute().getRetryPolicy().getPerTryTimeout().getSeconds()).isEqualTo(2);
    assertThat(api.getRoute().getPrefixRewrite()).isEqualTo("/");
    assertThat(api.getRoute().getHostRewriteLiteral()).isEqualTo("reviews.internal");
    assertThat(api.getRoute().getRequestMirrorPolicies(0).getCluster())
        .isEqualTo("outbound|9080|v3|" + REVIEWS);
    assertThat(api.getRoute().getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue()
        .getNumerator()).isEqualTo(125_000);
    assertThat(api.getRequestHeadersToAddList()).extracting(h -> h.getHeader().getKey())
        .containsExactly("x-set", "x-added");
    assertThat(api.getResponseHeadersToRemoveList()).containsExactly("server");

    Route legacy = routes.get(2);
    assertThat(legacy.getMatch().getPath()).isEqualTo("/old");
    assertThat(legacy.getRedirect().getPathRedirect()).isEqualTo("/v2/reviews");
    assertThat(legacy.getRedirect().getResponseCode().name()).isEqualTo("FOUND");

    Route canary = routes.get(3);
    assertThat(canary.getRoute().hasRetryPolicy()).isFalse();
    HTTPFault fault = canary.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault")
        .unpack(HTTPFault.class);
    assertThat(fault.getAbort().getGrpcStatus()).isEqualTo(14);
    assertThat(fault.getAbort().getPercentage().getNumerator()).isEqualTo(5_000);
    assertThat(fault.getDelay().getFixedDelay().getNanos()).isEqualTo(100_000_000);
    assertThat(canary.getRoute().getWeightedClusters().getClusters(0).getRequestHeadersToAdd(0)
        .getHeader().getKey()).isEqualTo("x-canary");
  }

  @Test
  void destinationRuleTrafficPolicy() throws IOException, InvalidProtocolBufferException {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml", TestMesh.resource("translation/reviews-policy.yaml"));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    ProxyResources r = XdsTranslator.translate(snapshot, PRODUCTPAGE);

    Cluster all = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS);
    assertThat(all.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(all.getConnectTimeout().getNanos()).isEqualTo(250_000_000);
    var thresholds = all.getCircuitBreakers().getThresholds(0);
    assertThat(thresholds.getMaxConnections().getValue()).isEqualTo(100);
    assertThat(thresholds.getMaxPendingRequests().getValue()).isEqualTo(10);
    assertThat(thresholds.getMaxRequests().getValue()).isEqualTo(1000);
    assertThat(thresholds.getMaxRetries().getValue()).isEqualTo(3);
    var od = all.getOutlierDetection();
    assertThat(od.getConsecutive5Xx().getValue()).isEqualTo(5);
    assertThat(od.getEnforcingConsecutive5Xx().getValue()).isEqualTo(100);
    assertThat(od.getInterval().getSeconds()).isEqualTo(10);
    assertThat(od.getBaseEjectionTime().getSeconds()).isEqualTo(30);
    assertThat(od.getMaxEjectionPercent().getValue()).isEqualTo(50);
    assertThat(all.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isEqualTo(20.0);
    var options = all.getTypedExtensionProtocolOptionsOrThrow(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class);
    assertThat(options.getCommonHttpProtocolOptions().getMaxRequestsPerConnection().getValue())
        .isEqualTo(1);

    Cluster v1 = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080|v1|" + REVIEWS);
    assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(v1.getRingHashLbConfig().getMinimumRingSize().getValue()).isEqualTo(1024);
    assertThat(v1.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue())
        .isEqualTo(100);
    Cluster v2 = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080|v2|" + REVIEWS);
    assertThat(v2.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RANDOM);
  }

  @Test
  void everyClusterHasIstiosUnlimitedCircuitBreakerDefaults() throws IOException {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    MeshSnapshot snapshot = TestMesh.load(dir);
    ProxyResources r = XdsTranslator.translate(snapshot, PRODUCTPAGE);

    Cluster reviews = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS);
    var t = reviews.getCircuitBreakers().getThresholds(0);
    // 2^32-1 each, read unsigned: istiod's "no limit", not Envoy's 1024 and 3 retries.
    assertThat(Integer.toUnsignedLong(t.getMaxConnections().getValue())).isEqualTo(0xFFFF_FFFFL);
    assertThat(Integer.toUnsignedLong(t.getMaxPendingRequests().getValue()))
        .isEqualTo(0xFFFF_FFFFL);
    assertThat(Integer.toUnsignedLong(t.getMaxRequests().getValue())).isEqualTo(0xFFFF_FFFFL);
    assertThat(Integer.toUnsignedLong(t.getMaxRetries().getValue())).isEqualTo(0xFFFF_FFFFL);
    assertThat(t.getTrackRemaining()).isTrue();
  }

  @Test
  void warmupPortLevelSettingsAndMaglev() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml", TestMesh.resource("translation/reviews-warmup-maglev-ports.yaml"));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    ProxyResources r = XdsTranslator.translate(snapshot, PRODUCTPAGE);

    // The port-level policy for 9080 replaces the service-wide ROUND_ROBIN/60s.
    Cluster all = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS);
    assertThat(all.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(all.getLeastRequestLbConfig().getSlowStartConfig().getSlowStartWindow()
        .getSeconds()).isEqualTo(30);
    Cluster v2 = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080|v2|" + REVIEWS);
    assertThat(v2.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);

    Cluster v1 = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|9080|v1|" + REVIEWS);
    assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.MAGLEV);
    assertThat(v1.getMaglevLbConfig().getTableSize().getValue()).isEqualTo(65537);
  }

  @Test
  void consistentHashPutsAHashPolicyOnTheRoute() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml", TestMesh.resource("translation/reviews-policy.yaml"));
    TestMesh.write(dir, "vs.yaml", Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve(
        "virtual-service-all-v1.yaml")).split("---")[1]);
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    Route route = routes(XdsTranslator.translate(snapshot, PRODUCTPAGE), REVIEWS)
        .getVirtualHosts(0).getRoutes(0);
    assertThat(route.getRoute().getCluster()).isEqualTo("outbound|9080|v1|" + REVIEWS);
    assertThat(route.getRoute().getHashPolicy(0).getHeader().getHeaderName()).isEqualTo("x-user");
  }

  @Test
  void sidecarEgressScopesWhatAProxySees() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "sidecar.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: Sidecar",
        "metadata:",
        "  name: productpage",
        "spec:",
        "  workloadSelector:",
        "    labels:",
        "      app: productpage",
        "  egress:",
        "  - hosts:",
        "    - ./reviews.default.svc.cluster.local",
        "    - ./details.default.svc.cluster.local",
        ""));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    assertThat(XdsTranslator.translate(snapshot, PRODUCTPAGE).all(TypeUrls.LISTENER).keySet())
        .containsExactly("details.default.svc.cluster.local:9080", REVIEWS + ":9080",
            "virtualOutbound");
    ProxyNode other = new ProxyNode("ratings", "default", Map.of("app", "ratings"));
    assertThat(XdsTranslator.translate(snapshot, other).all(TypeUrls.LISTENER)).hasSize(5);
  }

  @Test
  void tcpAndTlsRoutes() throws Exception {
    TestMesh.write(dir, "db.yaml", TestMesh.resource("translation/db-tcp-tls.yaml"));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    ProxyResources r = XdsTranslator.translate(snapshot, PRODUCTPAGE);

    Listener tcp = (Listener) r.get(TypeUrls.LISTENER, "db.internal:5432");
    assertThat(tcp.getAddress().getSocketAddress().getAddress()).isEqualTo("240.1.0.1");
    TcpProxy proxy = tcp.getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class);
    assertThat(proxy.getWeightedClusters().getClustersList())
        .extracting(c -> c.getName() + "=" + c.getWeight())
        .containsExactly("outbound|5432|v1|db.internal=90", "outbound|5432|v2|db.internal=10");
    assertThat(r.all(TypeUrls.ROUTE)).isEmpty();
    // Subsets select ServiceEntry endpoints by their labels.
    ClusterLoadAssignment v1 =
        (ClusterLoadAssignment) r.get(TypeUrls.ENDPOINT, "outbound|5432|v1|db.internal");
    assertThat(v1.getEndpointsList()).flatExtracting(l -> l.getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
        .containsExactly("127.0.0.21");

    Listener tls = (Listener) r.get(TypeUrls.LISTENER, "db.internal:6432");
    assertThat(tls.getListenerFilters(0).getName()).isEqualTo("envoy.filters.listener.tls_inspector");
    assertThat(tls.getFilterChains(0).getFilterChainMatch().getServerNamesList())
        .containsExactly("db.internal");
    assertThat(tls.getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class)
        .getCluster()).isEqualTo("outbound|6432|v2|db.internal");
    assertThat(tls.getFilterChains(1).getFilters(0).getTypedConfig().unpack(TcpProxy.class)
        .getCluster()).isEqualTo("outbound|6432||db.internal");
  }

  @Test
  void exportToAndNamespacePrecedenceOfDestinationRules() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "scoped.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: private, namespace: shop}",
        "spec:",
        "  hosts: [private.shop.internal]",
        "  exportTo: [.]",
        "  ports: [{number: 80, name: http}]",
        "  resolution: STATIC",
        "  endpoints: [{address: 127.0.0.30}]",
        "---",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: reviews}",
        "spec:",
        "  host: reviews",
        "  trafficPolicy: {loadBalancer: {simple: RANDOM}}",
        "---",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: reviews-from-shop, namespace: shop}",
        "spec:",
        "  host: reviews.default.svc.cluster.local",
        "  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}",
        ""));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    ProxyNode shop = new ProxyNode("cart", "shop", Map.of());

    ProxyResources fromDefault = XdsTranslator.translate(snapshot, PRODUCTPAGE);
    ProxyResources fromShop = XdsTranslator.translate(snapshot, shop);
    assertThat(fromDefault.get(TypeUrls.LISTENER, "private.shop.internal:80")).isNull();
    assertThat(fromShop.get(TypeUrls.LISTENER, "private.shop.internal:80")).isNotNull();
    assertThat(((Cluster) fromDefault.get(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS))
        .getLbPolicy()).isEqualTo(Cluster.LbPolicy.RANDOM);
    assertThat(((Cluster) fromShop.get(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS))
        .getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
  }

  @Test
  void istioMutualClustersPresentTheSvidAndCheckTheServiceAccount() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all-mtls.yaml")));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    Cluster v1 = (Cluster) XdsTranslator.translate(snapshot, PRODUCTPAGE)
        .get(TypeUrls.CLUSTER, "outbound|9080|v1|" + REVIEWS);
    var tls = v1.getTransportSocket().getTypedConfig().unpack(
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("outbound_.9080_.v1_." + REVIEWS);
    assertThat(tls.getCommonTlsContext().getTlsCertificateProviderInstance().getCertificateName())
        .isEqualTo("default");
    var validation = tls.getCommonTlsContext().getValidationContext();
    assertThat(validation.getCaCertificateProviderInstance().getCertificateName())
        .isEqualTo("ROOTCA");
    assertThat(validation.getMatchTypedSubjectAltNamesList()).singleElement()
        .satisfies(m -> assertThat(m.getMatcher().getExact())
            .isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-reviews"));
    assertThat(((Cluster) XdsTranslator.translate(snapshot, PRODUCTPAGE)
        .get(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS)).hasTransportSocket()).isTrue();
  }

  @Test
  void externalServicesAndOutboundTrafficPolicy() throws Exception {
    TestMesh.write(dir, "mesh.yaml", "outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n");
    TestMesh.write(dir, "external.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: httpbin}",
        "spec:",
        "  hosts: [httpbin.org]",
        "  ports: [{number: 443, name: https, protocol: TLS}]",
        "  resolution: DNS",
        "---",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: anything}",
        "spec:",
        "  hosts: [legacy.internal]",
        "  ports: [{number: 8080, name: http}]",
        "  resolution: NONE",
        ""));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    ProxyResources r = XdsTranslator.translate(snapshot, PRODUCTPAGE);

    Cluster dns = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|443||httpbin.org");
    assertThat(dns.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(dns.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
        .getAddress().getSocketAddress().getAddress()).isEqualTo("httpbin.org");
    assertThat(r.get(TypeUrls.ENDPOINT, "outbound|443||httpbin.org")).isNull();
    Cluster none = (Cluster) r.get(TypeUrls.CLUSTER, "outbound|8080||legacy.internal");
    assertThat(none.getType()).isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);

    Listener outbound = (Listener) r.get(TypeUrls.LISTENER, "virtualOutbound");
    assertThat(outbound.getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(TcpProxy.class).getCluster()).isEqualTo("BlackHoleCluster");
    assertThat(r.all(TypeUrls.CLUSTER)).containsKeys("PassthroughCluster", "BlackHoleCluster");
    // A Host naming none of an HTTP service's names is blocked too: Istio's block_all, 502.
    var routes = (RouteConfiguration) XdsTranslator.translate(snapshot, PRODUCTPAGE_AGENT)
        .get(TypeUrls.ROUTE, "legacy.internal:8080");
    var blockAll = routes.getVirtualHosts(routes.getVirtualHostsCount() - 1);
    assertThat(blockAll.getName()).isEqualTo("block_all");
    assertThat(blockAll.getDomainsList()).containsExactly("*");
    assertThat(blockAll.getRoutes(0).getDirectResponse().getStatus()).isEqualTo(502);
  }

  @Test
  void localityFailoverPrioritiesWhenOutlierDetectionIsOn() throws Exception {
    TestMesh.write(dir, "geo.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: geo}",
        "spec:",
        "  hosts: [geo.internal]",
        "  ports: [{number: 80, name: http}]",
        "  resolution: STATIC",
        "  endpoints:",
        "  - {address: 10.0.0.1, locality: us-east/a/1}",
        "  - {address: 10.0.0.2, locality: us-east/a/2}",
        "  - {address: 10.0.0.3, locality: us-east/b}",
        "  - {address: 10.0.0.4, locality: eu-west/a}",
        "---",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: geo}",
        "spec:",
        "  host: geo.internal",
        "  trafficPolicy:",
        "    outlierDetection: {consecutive5xxErrors: 3}",
        ""));
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    ProxyNode east = new ProxyNode("p", "default", Map.of(), List.of(), "us-east/a/1");
    ClusterLoadAssignment cla = (ClusterLoadAssignment) XdsTranslator.translate(snapshot, east)
        .get(TypeUrls.ENDPOINT, "outbound|80||geo.internal");
    assertThat(cla.getEndpointsList()).extracting(
        e -> e.getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getAddress()
            + "@" + e.getPriority())
        .containsExactlyInAnyOrder("10.0.0.1@0", "10.0.0.2@1", "10.0.0.3@2", "10.0.0.4@3");

    ProxyNode west = new ProxyNode("w", "default", Map.of(), List.of(), "eu-west/a/");
    ClusterLoadAssignment fromWest = (ClusterLoadAssignment) XdsTranslator
        .translate(snapshot, west).get(TypeUrls.ENDPOINT, "outbound|80||geo.internal");
    // Consecutive priorities: eu-west/a first, every us-east locality next.
    assertThat(fromWest.getEndpointsList()).extracting(e -> e.getPriority())
        .containsOnly(0, 1);
    ClusterLoadAssignment noLocality = (ClusterLoadAssignment) XdsTranslator
        .translate(snapshot, PRODUCTPAGE).get(TypeUrls.ENDPOINT, "outbound|80||geo.internal");
    assertThat(noLocality.getEndpointsList()).extracting(e -> e.getPriority()).containsOnly(0);
  }
}
