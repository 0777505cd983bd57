package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.Protos.config;
import static dev.jmesh.dataplane.config.Protos.millis;
import static dev.jmesh.dataplane.config.Protos.prefix;
import static dev.jmesh.dataplane.config.Protos.seconds;
import static dev.jmesh.dataplane.config.Protos.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.FaultPolicy;
import dev.jmesh.dataplane.route.Redirect;
import dev.jmesh.dataplane.route.RetryPolicy;
import dev.jmesh.dataplane.route.RouteDecision;
import dev.jmesh.dataplane.route.RouteTable;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Route actions and the policies a route carries. */
class RouteActionTest {

  private static RouteTable table(Route.Builder route) throws InvalidConfigException {
    return RouteTableCompiler.compile(config("rc", vhost("vh", List.of("*"), route)));
  }

  private static RouteDecision decide(Route.Builder route, String path, long random)
      throws InvalidConfigException {
    return table(route).decide(FakeRequest.get("shop.example:8080", path), random);
  }

  private static Route.Builder action(RouteAction.Builder a) {
    return Route.newBuilder().setName("r").setMatch(prefix("/")).setRoute(a);
  }

  private static WeightedCluster.ClusterWeight.Builder weight(String name, int w) {
    return WeightedCluster.ClusterWeight.newBuilder().setName(name).setWeight(UInt32Value.of(w));
  }

  @Test
  void clusterActionWithEnvoysDefaultTimeout() throws Exception {
    RouteDecision d = decide(action(RouteAction.newBuilder().setCluster("reviews")), "/", 0);
    assertThat(d.kind()).isEqualTo(RouteDecision.Kind.CLUSTER);
    assertThat(d.cluster()).isEqualTo("reviews");
    assertThat(d.route().virtualHost()).isEqualTo("vh");
    assertThat(d.route().name()).isEqualTo("r");
    assertThat(d.route().timeoutNanos()).isEqualTo(15_000_000_000L);
    assertThat(d.route().retryPolicy()).isNull();
    assertThat(d.route().fault()).isNull();
    assertThat(d.route().maxStreamDurationNanos()).isEqualTo(-1);
  }

  @Test
  void timeoutZeroDisablesIt() throws Exception {
    RouteDecision d =
        decide(action(RouteAction.newBuilder().setCluster("c").setTimeout(seconds(0))), "/", 0);
    assertThat(d.route().timeoutNanos()).isZero();
    d = decide(action(RouteAction.newBuilder().setCluster("c").setTimeout(millis(1500))), "/", 0);
    assertThat(d.route().timeoutNanos()).isEqualTo(1_500_000_000L);
  }

  @Test
  void maxStreamDurationIsCarried() throws Exception {
    RouteDecision d =
        decide(
            action(
                RouteAction.newBuilder()
                    .setCluster("c")
                    .setMaxStreamDuration(
                        RouteAction.MaxStreamDuration.newBuilder()
                            .setMaxStreamDuration(seconds(3))
                            .setGrpcTimeoutHeaderMax(seconds(0)))),
            "/",
            0);
    assertThat(d.route().maxStreamDurationNanos()).isEqualTo(3_000_000_000L);
    assertThat(d.route().grpcTimeoutHeaderMaxNanos()).isZero();
  }

  @Test
  void weightedClustersHitTheirTargets() throws Exception {
    RouteTable t =
        table(
            action(
                RouteAction.newBuilder()
                    .setWeightedClusters(
                        WeightedCluster.newBuilder()
                            .addClusters(weight("v1", 75))
                            .addClusters(weight("v2", 25))
                            .addClusters(weight("v3", 0)))));
    FakeRequest r = FakeRequest.get("h", "/");
    SplittableRandom random = new SplittableRandom(7);
    int n = 100_000;
    int v1 = 0;
    int v2 = 0;
    for (int i = 0; i < n; i++) {
      String c = t.decide(r, random.nextLong()).cluster();
      if (c.equals("v1")) {
        v1++;
      } else if (c.equals("v2")) {
        v2++;
      } else {
        throw new AssertionError("zero-weight cluster picked: " + c);
      }
    }
    double chiSquare =
        Math.pow(v1 - n * 0.75, 2) / (n * 0.75) + Math.pow(v2 - n * 0.25, 2) / (n * 0.25);
    // 1 degree of freedom: p = 0.001 at 10.83.
    assertThat(chiSquare).isLessThan(10.83);
  }

  @Test
  void weightsSummingToZeroAreRejected() {
    assertThatThrownBy(
            () ->
                table(
                    action(
                        RouteAction.newBuilder()
                            .setWeightedClusters(
                                WeightedCluster.newBuilder()
                                    .addClusters(weight("a", 0))
                                    .addClusters(weight("b", 0))))))
        .hasMessage(
            "virtual_hosts[0].routes[0].route.weighted_clusters.clusters: weights sum to 0");
  }

  @Test
  void totalWeightMustEqualTheSum() {
    assertThatThrownBy(
            () ->
                table(
                    action(
                        RouteAction.newBuilder()
                            .setWeightedClusters(
                                WeightedCluster.newBuilder()
                                    .addClusters(weight("a", 30))
                                    .setTotalWeight(UInt32Value.of(100))))))
        .hasMessage(
            "virtual_hosts[0].routes[0].route.weighted_clusters.total_weight:"
                + " is 100 but weights sum to 30");
  }

  @Test
  void perClusterHostRewriteIsRejectedUntilImplemented() {
    assertThatThrownBy(
            () ->
                table(
                    action(
                        RouteAction.newBuilder()
                            .setWeightedClusters(
                                WeightedCluster.newBuilder()
                                    .addClusters(weight("a", 1).setHostRewriteLiteral("x"))))))
        .hasMessage(
            "virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0]"
                + ".host_rewrite_literal: not supported");
  }

  @Test
  void unsupportedActionFieldsAreRejectedByName() {
    assertThatThrownBy(
            () -> table(action(RouteAction.newBuilder().setCluster("c").setClusterHeader("x"))))
        .hasMessage("virtual_hosts[0].routes[0].route.cluster_header: not supported");
  }

  @Test
  void redirect() throws Exception {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/old"))
            .setRedirect(
                RedirectAction.newBuilder()
                    .setHttpsRedirect(true)
                    .setPrefixRewrite("/new")
                    .setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT));
    RouteDecision d = decide(r, "/old/page?a=1", 0);
    assertThat(d.kind()).isEqualTo(RouteDecision.Kind.REDIRECT);
    Redirect redirect = d.route().redirect();
    assertThat(redirect.status()).isEqualTo(308);
    assertThat(redirect.location(FakeRequest.get("shop.example:8080", "/old/page?a=1"), "http"))
        .isEqualTo("https://shop.example/new/page?a=1");
  }

  @Test
  void redirectHostPortPathAndStripQuery() throws Exception {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .setRedirect(
                RedirectAction.newBuilder()
                    .setHostRedirect("other.example")
                    .setPortRedirect(9443)
                    .setPathRedirect("/landing")
                    .setStripQuery(true));
    Redirect redirect = decide(r, "/", 0).route().redirect();
    assertThat(redirect.status()).isEqualTo(301);
    assertThat(redirect.location(FakeRequest.get("shop.example:8080", "/x?y=1"), "http"))
        .isEqualTo("http://other.example:9443/landing");
  }

  @Test
  void directResponse() throws Exception {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .setDirectResponse(
                DirectResponseAction.newBuilder()
                    .setStatus(503)
                    .setBody(DataSource.newBuilder().setInlineString("maintenance")));
    RouteDecision d = decide(r, "/", 0);
    assertThat(d.kind()).isEqualTo(RouteDecision.Kind.DIRECT_RESPONSE);
    assertThat(d.cluster()).isNull();
    assertThat(d.route().directResponse().status()).isEqualTo(503);
    assertThat(d.route().directResponse().body()).isEqualTo("maintenance");
  }

  @Test
  void directResponseFromAFileIsRejected() {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .setDirectResponse(
                DirectResponseAction.newBuilder()
                    .setStatus(200)
                    .setBody(DataSource.newBuilder().setFilename("/etc/passwd")));
    assertThatThrownBy(() -> table(r))
        .hasMessage("virtual_hosts[0].routes[0].direct_response.body.filename: not supported");
  }

  @Test
  void retryPolicyIsParsed() throws Exception {
    io.envoyproxy.envoy.config.route.v3.RetryPolicy.Builder p =
        io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
            .setRetryOn("connect-failure,refused-stream,unavailable,retriable-status-codes")
            .setNumRetries(UInt32Value.of(3))
            .setPerTryTimeout(millis(250))
            .addRetriableStatusCodes(503)
            .addRetryHostPredicate(
                io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate.newBuilder()
                    .setName("envoy.retry_host_predicates.previous_hosts"))
            .setHostSelectionRetryMaxAttempts(5);
    RetryPolicy retry =
        decide(action(RouteAction.newBuilder().setCluster("c").setRetryPolicy(p)), "/", 0)
            .route()
            .retryPolicy();
    assertThat(retry.retryOn())
        .containsExactlyInAnyOrder(
            "connect-failure", "refused-stream", "unavailable", "retriable-status-codes");
    assertThat(retry.numRetries()).isEqualTo(3);
    assertThat(retry.perTryTimeoutNanos()).isEqualTo(250_000_000L);
    assertThat(retry.backoffBaseNanos()).isEqualTo(25_000_000L);
    assertThat(retry.backoffMaxNanos()).isEqualTo(250_000_000L);
    assertThat(retry.retriableStatusCodes()).containsExactly(503);
    assertThat(retry.otherHost()).isTrue();
    assertThat(retry.hostSelectionRetryMaxAttempts()).isEqualTo(5);
  }

  @Test
  void virtualHostRetryPolicyIsTheDefault() throws Exception {
    RouteTable t =
        RouteTableCompiler.compile(
            config(
                "rc",
                vhost("vh", List.of("*"), action(RouteAction.newBuilder().setCluster("c")))
                    .setRetryPolicy(
                        io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                            .setRetryOn("5xx"))));
    RetryPolicy retry = t.decide(FakeRequest.get("h", "/"), 0).route().retryPolicy();
    assertThat(retry.retryOn()).containsExactly("5xx");
    assertThat(retry.numRetries()).isEqualTo(1);
  }

  @Test
  void unknownRetryConditionsAreRejected() {
    assertThatThrownBy(
            () ->
                table(
                    action(
                        RouteAction.newBuilder()
                            .setCluster("c")
                            .setRetryPolicy(
                                io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                                    .setRetryOn("5xx,envoy-ratelimited")))))
        .hasMessage(
            "virtual_hosts[0].routes[0].route.retry_policy.retry_on:"
                + " condition 'envoy-ratelimited' not supported");
  }

  @Test
  void faultIsParsedFromPerFilterConfig() throws Exception {
    HTTPFault fault =
        HTTPFault.newBuilder()
            .setDelay(
                FaultDelay.newBuilder()
                    .setFixedDelay(seconds(2))
                    .setPercentage(
                        FractionalPercent.newBuilder()
                            .setNumerator(10)
                            .setDenominator(FractionalPercent.DenominatorType.HUNDRED)))
            .setAbort(
                FaultAbort.newBuilder()
                    .setHttpStatus(503)
                    .setPercentage(
                        FractionalPercent.newBuilder()
                            .setNumerator(5)
                            .setDenominator(FractionalPercent.DenominatorType.TEN_THOUSAND)))
            .build();
    Route.Builder r =
        action(RouteAction.newBuilder().setCluster("c"))
            .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault));
    FaultPolicy f = decide(r, "/", 0).route().fault();
    assertThat(f)
        .isEqualTo(
            new FaultPolicy(
                2_000_000_000L, false, 100_000, 10_000, 503, -1, false, 500, 100, List.of()));
    FakeRequest request = FakeRequest.get("h", "/");
    assertThat(f.delayNanos(request, 99_999)).isEqualTo(2_000_000_000L);
    assertThat(f.delayNanos(request, 100_000)).isEqualTo(-1);
    assertThat(f.abortHttpStatus(request, 499)).isEqualTo(503);
    assertThat(f.abortHttpStatus(request, 500)).isZero();
  }

  @Test
  void unknownPerFilterConfigIsRejectedUnlessOptional() throws Exception {
    Any other = Any.pack(TypedExtensionConfig.newBuilder().setName("x").build());
    Route.Builder required =
        action(RouteAction.newBuilder().setCluster("c"))
            .putTypedPerFilterConfig("envoy.filters.http.lua", other);
    assertThatThrownBy(() -> table(required))
        .hasMessage(
            "virtual_hosts[0].routes[0].typed_per_filter_config[envoy.filters.http.lua]:"
                + " filter not supported");
    Route.Builder optional =
        action(RouteAction.newBuilder().setCluster("c"))
            .putTypedPerFilterConfig(
                "envoy.filters.http.lua",
                Any.pack(FilterConfig.newBuilder().setConfig(other).setIsOptional(true).build()));
    assertThat(decide(optional, "/", 0).cluster()).isEqualTo("c");
  }

  @Test
  void decoratorAndMetadataAreAccepted() throws Exception {
    Route.Builder r =
        action(RouteAction.newBuilder().setCluster("c"))
            .setDecorator(
                io.envoyproxy.envoy.config.route.v3.Decorator.newBuilder()
                    .setOperation("reviews:9080/*"));
    assertThat(decide(r, "/", 0).cluster()).isEqualTo("c");
  }

  @Test
  void aNewHostWithoutANewPortDropsTheRequestsPort() throws Exception {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .setRedirect(RedirectAction.newBuilder().setHostRedirect("other.example"));
    Redirect redirect = decide(r, "/", 0).route().redirect();
    assertThat(redirect.location(FakeRequest.get("shop.example:8080", "/x?y=1"), "http"))
        .isEqualTo("http://other.example/x?y=1");
    Route.Builder samePort =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .setRedirect(RedirectAction.newBuilder().setPathRedirect("/y"));
    assertThat(
            decide(samePort, "/", 0)
                .route()
                .redirect()
                .location(FakeRequest.get("shop.example:8080", "/x"), "http"))
        .isEqualTo("http://shop.example:8080/y");
  }
}
