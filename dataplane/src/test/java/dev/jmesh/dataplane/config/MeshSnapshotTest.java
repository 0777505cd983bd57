package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.Protos.config;
import static dev.jmesh.dataplane.config.Protos.prefix;
import static dev.jmesh.dataplane.config.Protos.route;
import static dev.jmesh.dataplane.config.Protos.seconds;
import static dev.jmesh.dataplane.config.Protos.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.RouteDecision;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshSnapshotTest {

  private static final String REVIEWS = "reviews.default.svc.cluster.local:9080";
  private static final ConfigSource ADS =
      ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

  private static HttpConnectionManager.Builder hcm() {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix(REVIEWS)
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName("envoy.filters.http.fault")
                .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())));
  }

  private static Listener listener(String name, HttpConnectionManager.Builder hcm) {
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm.build())))
        .build();
  }

  private static Listener rdsListener(String name, String routeConfig) {
    return listener(
        name, hcm().setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(routeConfig)));
  }

  private static Cluster edsCluster(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS))
        .setConnectTimeout(seconds(10))
        .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
        .build();
  }

  private static LbEndpoint endpoint(String ip, int port) {
    return LbEndpoint.newBuilder()
        .setEndpoint(
            io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder().setAddress(ip).setPortValue(port))))
        .build();
  }

  private static RouteConfiguration reviewsRoutes() {
    return config(
        REVIEWS,
        vhost(
            "reviews",
            List.of("reviews", "reviews:9080", "reviews.default.svc.cluster.local:9080"),
            route("default", prefix("/"), "outbound|9080||reviews.default.svc.cluster.local")));
  }

  @Test
  void listenerRoutesThroughItsRouteConfiguration() {
    MeshSnapshot.Compilation c =
        MeshSnapshot.compile(
            List.of(rdsListener(REVIEWS, REVIEWS)), List.of(reviewsRoutes()), List.of(), List.of());
    assertThat(c.rejections()).isEmpty();
    MeshSnapshot s = c.snapshot();
    assertThat(s.listener(REVIEWS).routeConfigName()).isEqualTo(REVIEWS);
    RouteDecision d = s.decide(REVIEWS, FakeRequest.get("reviews:9080", "/reviews/1"), 0);
    assertThat(d.cluster()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
    assertThat(s.decide("ratings:9080", FakeRequest.get("ratings:9080", "/"), 0))
        .isSameAs(RouteDecision.NO_ROUTE);
  }

  @Test
  void aListenerWaitingForItsRoutesRoutesNothing() {
    MeshSnapshot s =
        MeshSnapshot.compile(
                List.of(rdsListener(REVIEWS, REVIEWS)), List.of(), List.of(), List.of())
            .snapshot();
    assertThat(s.listener(REVIEWS).routeTable()).isNull();
    assertThat(s.decide(REVIEWS, FakeRequest.get("reviews", "/"), 0))
        .isSameAs(RouteDecision.NO_ROUTE);
  }

  @Test
  void inlineRouteConfigAndStripAnyHostPort() {
    Listener l = listener(REVIEWS, hcm().setRouteConfig(reviewsRoutes()).setStripAnyHostPort(true));
    MeshSnapshot s = MeshSnapshot.compile(List.of(l), List.of(), List.of(), List.of()).snapshot();
    assertThat(s.decide(REVIEWS, FakeRequest.get("reviews:1234", "/"), 0).cluster())
        .startsWith("outbound|9080");
  }

  @Test
  void badResourcesAreRejectedAloneAndNamed() {
    RouteConfiguration bad =
        config(
            "bad",
            vhost(
                "vh",
                List.of("*"),
                route("a", prefix("/"), "c"),
                route("b", prefix("/"), "c"),
                route(
                    "grpc",
                    prefix("/").setGrpc(RouteMatch.GrpcRouteMatchOptions.getDefaultInstance()),
                    "c")));
    Listener lua =
        listener(
            "lua:80",
            hcm()
                .setRds(Rds.newBuilder().setRouteConfigName("x"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.lua")));
    Cluster outlier =
        edsCluster("o").toBuilder()
            .setLbSubsetConfig(Cluster.LbSubsetConfig.getDefaultInstance())
            .build();
    MeshSnapshot.Compilation c =
        MeshSnapshot.compile(
            List.of(rdsListener(REVIEWS, REVIEWS), lua),
            List.of(reviewsRoutes(), bad),
            List.of(edsCluster("good"), outlier),
            List.of());
    assertThat(c.rejections())
        .extracting(ConfigRejection::message)
        .containsExactly(
            "RouteConfiguration bad: virtual_hosts[0].routes[2].match.grpc: not supported",
            "Listener lua:80: api_listener.api_listener.http_filters[2]:"
                + " filter envoy.filters.http.lua: not supported",
            "Cluster o: lb_subset_config: not supported");
    assertThat(c.snapshot().routeTable("bad")).isNull();
    assertThat(c.snapshot().listener("lua:80")).isNull();
    assertThat(c.snapshot().cluster("good")).isNotNull();
    assertThat(c.snapshot().decide(REVIEWS, FakeRequest.get("reviews", "/"), 0).cluster())
        .startsWith("outbound");
  }

  @Test
  void edsClustersTakeTheirEndpoints() {
    ClusterLoadAssignment cla =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("reviews")
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setLocality(Locality.newBuilder().setRegion("eu").setZone("eu-1"))
                    .setLoadBalancingWeight(UInt32Value.of(3))
                    .addLbEndpoints(endpoint("10.0.0.1", 9080))
                    .addLbEndpoints(
                        endpoint("10.0.0.2", 9080).toBuilder()
                            .setHealthStatus(HealthStatus.DRAINING)
                            .setLoadBalancingWeight(UInt32Value.of(5))))
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setPriority(1)
                    .addLbEndpoints(endpoint("10.1.0.1", 9080)))
            .build();
    MeshSnapshot.Compilation c =
        MeshSnapshot.compile(List.of(), List.of(), List.of(edsCluster("reviews")), List.of(cla));
    assertThat(c.rejections()).isEmpty();
    ClusterConfig cluster = c.snapshot().cluster("reviews");
    assertThat(cluster.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.LEAST_REQUEST);
    assertThat(cluster.connectTimeoutNanos()).isEqualTo(10_000_000_000L);
    assertThat(cluster.endpoints())
        .containsExactly(
            new Endpoint("10.0.0.1", 9080, 1, 0, "eu", "eu-1", "", 3, Endpoint.Health.UNKNOWN),
            new Endpoint("10.0.0.2", 9080, 5, 0, "eu", "eu-1", "", 3, Endpoint.Health.DRAINING),
            new Endpoint("10.1.0.1", 9080, 1, 1, "", "", "", 0, Endpoint.Health.UNKNOWN));
  }

  @Test
  void edsServiceNameSelectsTheAssignment() {
    Cluster c =
        edsCluster("outbound|9080|v1|reviews").toBuilder()
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder()
                    .setEdsConfig(ADS)
                    .setServiceName("reviews-v1"))
            .build();
    ClusterLoadAssignment cla =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("reviews-v1")
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint("10.0.0.9", 1)))
            .build();
    ClusterConfig cc =
        MeshSnapshot.compile(List.of(), List.of(), List.of(c), List.of(cla))
            .snapshot()
            .cluster("outbound|9080|v1|reviews");
    assertThat(cc.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.9");
  }

  @Test
  void staticClustersUseTheirInlineAssignment() {
    Cluster c =
        Cluster.newBuilder()
            .setName("static")
            .setType(Cluster.DiscoveryType.STATIC)
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName("static")
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(endpoint("127.0.0.1", 8080))))
            .build();
    MeshSnapshot.Compilation comp =
        MeshSnapshot.compile(List.of(), List.of(), List.of(c), List.of());
    assertThat(comp.rejections()).isEmpty();
    ClusterConfig cc = comp.snapshot().cluster("static");
    assertThat(cc.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.ROUND_ROBIN);
    assertThat(cc.connectTimeoutNanos()).isEqualTo(5_000_000_000L);
    assertThat(cc.endpoints()).hasSize(1);
  }

  @Test
  void unsupportedClusterTypesAndPoliciesAreRejected() {
    Cluster dns =
        Cluster.newBuilder().setName("dns").setType(Cluster.DiscoveryType.LOGICAL_DNS).build();
    Cluster lb =
        edsCluster("lb").toBuilder().setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build();
    ClusterLoadAssignment udp =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("udp")
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .addLbEndpoints(
                        endpoint("10.0.0.1", 53).toBuilder()
                            .setEndpoint(
                                io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                    .setAddress(
                                        Address.newBuilder()
                                            .setSocketAddress(
                                                SocketAddress.newBuilder()
                                                    .setAddress("10.0.0.1")
                                                    .setPortValue(53)
                                                    .setProtocol(SocketAddress.Protocol.UDP))))))
            .build();
    assertThat(
            MeshSnapshot.compile(List.of(), List.of(), List.of(dns, lb), List.of(udp)).rejections())
        .extracting(ConfigRejection::message)
        .containsExactly(
            "ClusterLoadAssignment udp: endpoints[0].lb_endpoints[0].endpoint.address"
                + ".socket_address.protocol: only TCP is supported",
            "Cluster dns: type: LOGICAL_DNS not supported",
            "Cluster lb: lb_policy: CLUSTER_PROVIDED needs type ORIGINAL_DST");
  }

  @Test
  void emptySnapshotRoutesNothing() {
    assertThat(MeshSnapshot.EMPTY.decide(REVIEWS, FakeRequest.get("reviews", "/"), 0))
        .isSameAs(RouteDecision.NO_ROUTE);
    assertThat(MeshSnapshot.EMPTY.cluster("x")).isNull();
  }

  @Test
  void routesArrivingAfterTheListenerAreLinked() {
    MeshSnapshot s =
        MeshSnapshot.EMPTY.withListeners(Map.of(REVIEWS, rdsListener(REVIEWS, REVIEWS))).snapshot();
    assertThat(s.decide(REVIEWS, FakeRequest.get("reviews", "/"), 0))
        .isSameAs(RouteDecision.NO_ROUTE);
    s = s.withRouteConfigurations(Map.of(REVIEWS, reviewsRoutes())).snapshot();
    assertThat(s.decide(REVIEWS, FakeRequest.get("reviews", "/"), 0).cluster())
        .startsWith("outbound|9080");
  }

  @Test
  void aRejectedResourceKeepsItsPreviousVersion() {
    MeshSnapshot s =
        MeshSnapshot.EMPTY.withRouteConfigurations(Map.of(REVIEWS, reviewsRoutes())).snapshot();
    RouteConfiguration broken =
        config(
            REVIEWS,
            vhost(
                "vh",
                List.of("*"),
                route("r", prefix(""), "c")
                    .setMatch(RouteMatch.newBuilder().setSafeRegex(Protos.regex("(")))));
    RouteConfiguration other =
        config("other", vhost("o", List.of("*"), route("r", prefix("/"), "o")));
    MeshSnapshot.Compilation c = s.withRouteConfigurations(Map.of(REVIEWS, broken, "other", other));
    assertThat(c.rejections())
        .extracting(ConfigRejection::resourceName, ConfigRejection::field)
        .containsExactly(tuple(REVIEWS, "virtual_hosts[0].routes[0].match.safe_regex.regex"));
    assertThat(c.snapshot().routeTable(REVIEWS)).isSameAs(s.routeTable(REVIEWS));
    assertThat(c.snapshot().routeTable("other")).isNotNull();
  }

  @Test
  void unchangedResourcesAreNotCompiledAgainAndMissingOnesAreRemoved() {
    RouteConfiguration other =
        config("other", vhost("o", List.of("*"), route("r", prefix("/"), "o")));
    MeshSnapshot s =
        MeshSnapshot.EMPTY
            .withRouteConfigurations(Map.of(REVIEWS, reviewsRoutes(), "other", other))
            .snapshot();
    MeshSnapshot next = s.withRouteConfigurations(Map.of(REVIEWS, reviewsRoutes())).snapshot();
    assertThat(next.routeTable(REVIEWS)).isSameAs(s.routeTable(REVIEWS));
    assertThat(next.routeTable("other")).isNull();
  }

  @Test
  void anEndpointUpdateReachesItsCluster() {
    MeshSnapshot s =
        MeshSnapshot.EMPTY.withClusters(Map.of("reviews", edsCluster("reviews"))).snapshot();
    assertThat(s.cluster("reviews").endpoints()).isEmpty();
    ClusterLoadAssignment cla =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("reviews")
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint("10.0.0.1", 80)))
            .build();
    s = s.withAssignments(Map.of("reviews", cla)).snapshot();
    assertThat(s.cluster("reviews").endpoints())
        .extracting(Endpoint::address)
        .containsExactly("10.0.0.1");
    s = s.withAssignments(Map.of()).snapshot();
    assertThat(s.cluster("reviews").endpoints()).isEmpty();
  }
}
