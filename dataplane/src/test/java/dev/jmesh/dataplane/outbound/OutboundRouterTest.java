package dev.jmesh.dataplane.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.config.OutboundListener;
import dev.jmesh.dataplane.record.ResponseFlags;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.UpstreamFailure;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.PrometheusText;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decision API end to end over a compiled snapshot and live clusters: route, fault, circuit
 * breaker, hash, host, retries, flags and the Istio metrics the exchange records.
 */
class OutboundRouterTest {

  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final String REVIEWS = "outbound|9080|v1|reviews.default.svc.cluster.local";
  private static final String RATINGS = "outbound|9080|v2|ratings.default.svc.cluster.local";
  private static final String RATINGS_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/ratings";
  private static final FractionalPercent ALL =
      FractionalPercent.newBuilder().setNumerator(100).build();

  private UpstreamClusters clusters;
  private IstioMetrics metrics;
  private OutboundRouter router;
  private MeshSnapshot snapshot;
  private final Exchange x = new Exchange();
  private long random = 42;

  private static Route.Builder route(String prefix, String cluster) {
    return Route.newBuilder()
        .setName(prefix)
        .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
        .setRoute(RouteAction.newBuilder().setCluster(cluster));
  }

  private static Route.Builder fault(String prefix, HTTPFault fault) {
    return route(prefix, REVIEWS)
        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault));
  }

  private static Cluster.Builder eds(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(
                    io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                        .setAds(
                            io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource
                                .getDefaultInstance())));
  }

  private static ClusterLoadAssignment endpoints(String cluster, String... ips) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (String ip : ips) {
      l.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder().setAddress(ip).setPortValue(9080)))));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(l).build();
  }

  /** Ratings v2's endpoint as istiod sends it: its workload in {@code istio.workload}. */
  private static ClusterLoadAssignment ratingsEndpoint() {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(RATINGS)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    endpoints(RATINGS, "10.3.0.1").getEndpoints(0).getLbEndpoints(0).toBuilder()
                        .setMetadata(
                            Metadata.newBuilder()
                                .putFilterMetadata(
                                    "istio",
                                    Struct.newBuilder()
                                        .putFields(
                                            "workload",
                                            Value.newBuilder()
                                                .setStringValue("ratings-v2;default;ratings;v2;")
                                                .build())
                                        .build()))))
        .build();
  }

  /** Mutual TLS to ratings, whose one service account istiod names in the SAN matchers. */
  private static TransportSocket ratingsMtls() {
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(
            Any.pack(
                UpstreamTlsContext.newBuilder()
                    .setCommonTlsContext(
                        CommonTlsContext.newBuilder()
                            .setValidationContext(
                                CertificateValidationContext.newBuilder()
                                    .addMatchTypedSubjectAltNames(
                                        SubjectAltNameMatcher.newBuilder()
                                            .setSanType(SubjectAltNameMatcher.SanType.URI)
                                            .setMatcher(
                                                StringMatcher.newBuilder()
                                                    .setExact(RATINGS_PRINCIPAL)))))
                    .build()))
        .build();
  }

  @BeforeEach
  void setUp() {
    RetryPolicy retry =
        RetryPolicy.newBuilder()
            .setRetryOn("5xx,connect-failure")
            .setNumRetries(UInt32Value.of(2))
            .addRetryHostPredicate(
                RetryPolicy.RetryHostPredicate.newBuilder()
                    .setName("envoy.retry_host_predicates.previous_hosts")
                    .setTypedConfig(
                        Any.pack(
                            io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3
                                .PreviousHostsPredicate.getDefaultInstance())))
            .setHostSelectionRetryMaxAttempts(5)
            .build();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(LISTENER)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("reviews")
                    .addDomains("*")
                    .addRoutes(
                        fault(
                            "/abort",
                            HTTPFault.newBuilder()
                                .setAbort(
                                    FaultAbort.newBuilder().setHttpStatus(503).setPercentage(ALL))
                                .build()))
                    .addRoutes(
                        fault(
                            "/delay",
                            HTTPFault.newBuilder()
                                .setDelay(
                                    FaultDelay.newBuilder()
                                        .setFixedDelay(Duration.newBuilder().setNanos(100_000_000))
                                        .setPercentage(ALL))
                                .build()))
                    .addRoutes(route("/missing", "outbound|9080||nowhere"))
                    .addRoutes(route("/ratings", RATINGS))
                    .addRoutes(route("/passthrough", "PassthroughCluster"))
                    .addRoutes(route("/tight", "tight"))
                    .addRoutes(route("/empty", "empty"))
                    .addRoutes(
                        route("/hash", "ring")
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster("ring")
                                    .addHashPolicy(
                                        RouteAction.HashPolicy.newBuilder()
                                            .setHeader(
                                                RouteAction.HashPolicy.Header.newBuilder()
                                                    .setHeaderName("x-user")))))
                    .addRoutes(
                        Route.newBuilder()
                            .setName("direct")
                            .setMatch(RouteMatch.newBuilder().setPath("/direct"))
                            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(418)))
                    .addRoutes(
                        route("/", REVIEWS)
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(REVIEWS)
                                    .setRetryPolicy(retry))))
            .build();
    Listener listener =
        Listener.newBuilder()
            .setName(LISTENER)
            .setApiListener(
                ApiListener.newBuilder()
                    .setApiListener(
                        Any.pack(
                            HttpConnectionManager.newBuilder()
                                .setRouteConfig(routes)
                                .addHttpFilters(
                                    io.envoyproxy.envoy.extensions.filters.network
                                        .http_connection_manager.v3.HttpFilter.newBuilder()
                                        .setName("envoy.filters.http.fault"))
                                .addHttpFilters(
                                    io.envoyproxy.envoy.extensions.filters.network
                                        .http_connection_manager.v3.HttpFilter.newBuilder()
                                        .setName("envoy.filters.http.router"))
                                .build())))
            .build();
    List<Cluster> cs =
        List.of(
            eds(REVIEWS).build(),
            eds("ring").setLbPolicy(Cluster.LbPolicy.RING_HASH).build(),
            eds("empty").build(),
            eds(RATINGS).setTransportSocket(ratingsMtls()).build(),
            eds("tight")
                .setCircuitBreakers(
                    CircuitBreakers.newBuilder()
                        .addThresholds(
                            CircuitBreakers.Thresholds.newBuilder()
                                .setMaxRequests(UInt32Value.of(1))))
                .build(),
            Cluster.newBuilder()
                .setName("PassthroughCluster")
                .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .build());
    MeshSnapshot.Compilation c =
        MeshSnapshot.compile(
            List.of(listener),
            List.of(),
            cs,
            List.of(
                endpoints(REVIEWS, "10.0.0.1", "10.0.0.2", "10.0.0.3"),
                endpoints("ring", "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"),
                endpoints("tight", "10.2.0.1"),
                ratingsEndpoint()));
    assertThat(c.rejections()).isEmpty();
    clusters = new UpstreamClusters();
    clusters.update(c.snapshot());
    metrics = new IstioMetrics();
    WorkloadLabels productpage =
        WorkloadLabels.builder()
            .workload("productpage-v1")
            .namespace("default")
            .app("productpage")
            .build();
    snapshot = c.snapshot();
    router = new OutboundRouter(c::snapshot, clusters, metrics, new TrafficEdges(productpage));
  }

  @AfterEach
  void tearDown() {
    clusters.close();
  }

  private void decide(String path) {
    decide(FakeRequest.get("reviews:9080", path));
  }

  private void decide(FakeRequest request) {
    router.decide(LISTENER, request, "10.9.9.9", random++, x);
  }

  private String flags() {
    return ResponseFlags.toShortString(x.record().responseFlags());
  }

  @Test
  void forwardsToAHostAndRecordsTheRequest() {
    decide("/reviews/1");
    assertThat(x.action()).isEqualTo(Exchange.Action.FORWARD);
    assertThat(x.host().address()).startsWith("10.0.0.");
    assertThat(x.host().activeRequests()).isEqualTo(1);
    assertThat(x.timeoutNanos()).isEqualTo(15_000_000_000L);
    assertThat(x.attemptEnded(200, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(x.host().activeRequests()).isZero();
    x.finish(200, -1, 10, 2000, System.nanoTime());
    assertThat(x.record().route()).isEqualTo("/");
    assertThat(x.record().cluster()).isEqualTo(REVIEWS);
    assertThat(x.record().upstreamHost()).isEqualTo(x.host().hostKey());
    assertThat(flags()).isEqualTo("-");
    String text = prometheus();
    assertThat(text)
        .contains("istio_requests_total{")
        .contains("response_code=\"200\"")
        .contains("destination_service=\"reviews.default.svc.cluster.local\"")
        .contains("destination_version=\"v1\"")
        .contains("source_workload=\"productpage-v1\"");
  }

  @Test
  void theSourceReporterNamesTheWorkloadBehindTheHostFromItsEndpointMetadata() {
    decide("/ratings");
    assertThat(x.action()).isEqualTo(Exchange.Action.FORWARD);
    x.attemptEnded(200, -1, UpstreamFailure.NONE);
    x.finish(200, -1, 0, 0, System.nanoTime());
    decide("/reviews/1");
    x.attemptEnded(200, -1, UpstreamFailure.NONE);
    x.finish(200, -1, 0, 0, System.nanoTime());
    String text = prometheus();
    assertThat(seriesLine(text, "ratings.default"))
        .contains("reporter=\"source\"")
        .contains("destination_workload=\"ratings-v2\"")
        .contains("destination_workload_namespace=\"default\"")
        .contains("destination_canonical_revision=\"v2\"")
        .contains("destination_principal=\"" + RATINGS_PRINCIPAL + "\"");
    // No metadata, no mutual TLS: the cluster's labels only, as before.
    assertThat(seriesLine(text, "reviews.default"))
        .contains("destination_workload=\"unknown\"")
        .contains("destination_principal=\"unknown\"")
        .contains("destination_version=\"v1\"");
  }

  private static String seriesLine(String text, String service) {
    return text.lines()
        .filter(l -> l.startsWith("istio_requests_total{"))
        .filter(l -> l.contains("destination_service=\"" + service))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no istio_requests_total for " + service));
  }

  @Test
  void a503IsRetriedOnAnotherHostThenRetriesRunOut() {
    decide("/reviews/1");
    Set<String> hosts = new HashSet<>();
    hosts.add(x.host().hostKey());
    assertThat(x.attemptEnded(503, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(x.backOffNanos()).isBetween(0L, 25_000_000L);
    assertThat(hosts.add(x.host().hostKey())).as("the retry goes to another host").isTrue();
    assertThat(x.attemptEnded(0, -1, UpstreamFailure.CONNECT_FAILURE)).isTrue();
    assertThat(hosts.add(x.host().hostKey())).isTrue();
    assertThat(x.attemptEnded(503, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(x.attempts()).isEqualTo(3);
    x.finish(503, -1, 0, 0, System.nanoTime());
    assertThat(x.record().upstreamHost()).isEqualTo(x.host().hostKey());
    assertThat(flags()).isEqualTo("URX");
    assertThat(clusters.cluster(REVIEWS).circuitBreaker().activeRetries()).isZero();
    assertThat(clusters.cluster(REVIEWS).circuitBreaker().activeRequests()).isZero();
  }

  @Test
  void aForgoneRetryLeavesTheRecordNamingTheHostThatWasTried() {
    // The direct path takes back a granted retry whose host needs TLS the library cannot give:
    // nothing went to that host, so the record and the attempt count stay with the first one.
    decide("/reviews/1");
    String tried = x.host().hostKey();
    assertThat(x.attemptEnded(503, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(x.record().upstreamHost()).isNotEqualTo(tried);
    x.forgoRetry();
    x.finish(503, -1, 0, 0, System.nanoTime());
    assertThat(x.record().upstreamHost()).isEqualTo(tried);
    assertThat(x.attempts()).isEqualTo(1);
    assertThat(flags()).isEqualTo("URX");
    assertThat(clusters.cluster(REVIEWS).circuitBreaker().activeRetries()).isZero();
    assertThat(clusters.cluster(REVIEWS).circuitBreaker().activeRequests()).isZero();
  }

  @Test
  void aConnectFailureWithoutRetriesLeftIsFlaggedUf() {
    decide("/reviews/1");
    x.attemptEnded(0, -1, UpstreamFailure.CONNECT_FAILURE);
    x.attemptEnded(0, -1, UpstreamFailure.CONNECT_FAILURE);
    assertThat(x.attemptEnded(0, -1, UpstreamFailure.CONNECT_FAILURE)).isFalse();
    x.finish(503, -1, 0, 0, System.nanoTime());
    assertThat(flags()).isEqualTo("UF,URX");
  }

  @Test
  void localAnswersCarryEnvoysStatusAndFlag() {
    decide("/abort");
    assertThat(x.action()).isEqualTo(Exchange.Action.FAULT_ABORT);
    assertThat(x.localStatus()).isEqualTo(503);
    assertThat(flags()).isEqualTo("FI");
    decide("/delay");
    assertThat(x.action()).isEqualTo(Exchange.Action.FORWARD);
    assertThat(x.delayNanos()).isEqualTo(100_000_000L);
    assertThat(flags()).isEqualTo("DI");
    x.attemptEnded(200, -1, UpstreamFailure.NONE);
    x.finish(200, -1, 0, 0, System.nanoTime());
    decide("/missing");
    assertThat(x.action()).isEqualTo(Exchange.Action.NO_CLUSTER);
    assertThat(x.localStatus()).isEqualTo(503);
    assertThat(flags()).isEqualTo("NC");
    decide("/empty");
    assertThat(x.action()).isEqualTo(Exchange.Action.NO_HEALTHY_UPSTREAM);
    assertThat(flags()).isEqualTo("UH");
    x.finish(503, -1, 0, 0, System.nanoTime());
    assertThat(clusters.cluster("empty").circuitBreaker().activeRequests()).isZero();
    // A passthrough route for a request addressed by name: no address to pass it to.
    decide("/passthrough");
    assertThat(x.action()).isEqualTo(Exchange.Action.NO_HEALTHY_UPSTREAM);
    assertThat(flags()).isEqualTo("UH");
    x.finish(503, -1, 0, 0, System.nanoTime());
    decide("/direct");
    assertThat(x.action()).isEqualTo(Exchange.Action.DIRECT_RESPONSE);
    assertThat(x.localStatus()).isEqualTo(418);
  }

  @Test
  void aPassthroughRouteForAnEndpointsOwnAddressGoesToThatAddress() {
    OutboundListener reviews = snapshot.listener(LISTENER);
    router.decide(
        reviews,
        FakeRequest.get("127.0.0.7:9080", "/passthrough"),
        "10.9.9.9",
        "127.0.0.7",
        9080,
        random++,
        x);
    assertThat(x.action()).isEqualTo(Exchange.Action.FORWARD);
    assertThat(x.cluster().name()).isEqualTo("PassthroughCluster");
    assertThat(x.host().hostKey()).isEqualTo("127.0.0.7:9080");
    assertThat(x.host().activeRequests()).isEqualTo(1);
    assertThat(x.cluster().circuitBreaker().activeRequests()).isEqualTo(1);
    x.attemptEnded(200, -1, UpstreamFailure.NONE);
    x.finish(200, -1, 0, 0, System.nanoTime());
    assertThat(x.cluster().circuitBreaker().activeRequests()).isZero();
    Host first = x.host();
    assertThat(first.activeRequests()).isZero();

    // The same address keeps its host; a route to a service's cluster ignores the address.
    router.decide(
        reviews, FakeRequest.get("127.0.0.7:9080", "/passthrough"), "", "127.0.0.7", 9080, 1, x);
    assertThat(x.host()).isSameAs(first);
    x.finish(503, -1, 0, 0, System.nanoTime());
    router.decide(
        reviews, FakeRequest.get("reviews:9080", "/ratings"), "", "127.0.0.99", 9080, random++, x);
    assertThat(x.cluster().name()).isEqualTo(RATINGS);
    assertThat(x.host().address()).isNotEqualTo("127.0.0.99");
    x.finish(503, -1, 0, 0, System.nanoTime());
  }

  @Test
  void noRouteIs404NrAndIsCountedAgainstAnUnknownDestination() {
    router.decide(
        "ratings.default.svc.cluster.local:9080", FakeRequest.get("ratings", "/"), "", 1, x);
    assertThat(x.action()).isEqualTo(Exchange.Action.NO_ROUTE);
    assertThat(x.localStatus()).isEqualTo(404);
    x.finish(404, -1, 0, 0, System.nanoTime());
    assertThat(prometheus())
        .contains("response_flags=\"NR\"")
        .contains("destination_service=\"unknown\"");
  }

  @Test
  void theCircuitBreakerOverflowsAtMaxRequestsAndRecovers() {
    Exchange first = new Exchange();
    router.decide(LISTENER, FakeRequest.get("reviews", "/tight"), "", 1, first);
    assertThat(first.action()).isEqualTo(Exchange.Action.FORWARD);
    decide("/tight");
    assertThat(x.action()).isEqualTo(Exchange.Action.OVERFLOW);
    assertThat(flags()).isEqualTo("UO");
    x.finish(503, -1, 0, 0, System.nanoTime());
    first.attemptEnded(200, -1, UpstreamFailure.NONE);
    first.finish(200, -1, 0, 0, System.nanoTime());
    decide("/tight");
    assertThat(x.action()).isEqualTo(Exchange.Action.FORWARD);
  }

  @Test
  void theHashPolicyKeepsAUserOnOneHost() {
    List<String> firstHosts = new ArrayList<>();
    for (int user = 0; user < 20; user++) {
      FakeRequest r = FakeRequest.get("reviews", "/hash").header("x-user", "user-" + user);
      decide(r);
      String host = x.host().hostKey();
      firstHosts.add(host);
      for (int again = 0; again < 10; again++) {
        x.attemptEnded(200, -1, UpstreamFailure.NONE);
        x.finish(200, -1, 0, 0, System.nanoTime());
        decide(r);
        assertThat(x.host().hostKey()).isEqualTo(host);
      }
      x.attemptEnded(200, -1, UpstreamFailure.NONE);
      x.finish(200, -1, 0, 0, System.nanoTime());
    }
    assertThat(new HashSet<>(firstHosts)).hasSizeGreaterThan(1);
  }

  private String prometheus() {
    StringBuilder out = new StringBuilder();
    metrics.writeTo(new PrometheusText(out));
    return out.toString();
  }
}
