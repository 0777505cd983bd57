package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.Protos.prefix;
import static dev.jmesh.dataplane.config.Protos.regex;
import static dev.jmesh.dataplane.config.Protos.seconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.HashPolicy;
import dev.jmesh.dataplane.route.HeaderMutation;
import dev.jmesh.dataplane.route.HeaderMutation.Action;
import dev.jmesh.dataplane.route.HeaderMutation.Addition;
import dev.jmesh.dataplane.route.MirrorPolicy;
import dev.jmesh.dataplane.route.RouteDecision;
import dev.jmesh.dataplane.route.RouteTable;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rewrites, header changes, hash and mirror policies carried by a route. */
class RouteRewriteTest {

  private static RouteDecision decide(Route.Builder route, long random)
      throws InvalidConfigException {
    RouteConfiguration rc =
        RouteConfiguration.newBuilder()
            .setName("rc")
            .addVirtualHosts(
                VirtualHost.newBuilder().setName("vh").addDomains("*").addRoutes(route))
            .build();
    return RouteTableCompiler.compile(rc).decide(FakeRequest.get("h", "/"), random);
  }

  private static HeaderValueOption.Builder add(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value));
  }

  @Test
  void prefixRewriteReplacesTheMatchedPrefixAndKeepsTheQuery() throws Exception {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/api/v1"))
            .setRoute(RouteAction.newBuilder().setCluster("c").setPrefixRewrite("/v2"));
    RouteDecision d =
        RouteTableCompiler.compile(
                RouteConfiguration.newBuilder()
                    .addVirtualHosts(
                        VirtualHost.newBuilder().setName("vh").addDomains("*").addRoutes(r))
                    .build())
            .decide(FakeRequest.get("h", "/api/v1/users?x=1"), 0);
    assertThat(d.route().pathRewrite().rewrite("/api/v1/users?x=1")).isEqualTo("/v2/users?x=1");
  }

  @Test
  void prefixRewriteNeedsAPrefixMatch() {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPath("/a"))
            .setRoute(RouteAction.newBuilder().setCluster("c").setPrefixRewrite("/b"));
    assertThatThrownBy(() -> decide(r, 0))
        .hasMessage(
            "virtual_hosts[0].routes[0].route.prefix_rewrite:"
                + " needs a prefix or path_separated_prefix match");
  }

  @Test
  void regexRewriteUsesEnvoysGroupSyntax() throws Exception {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .setRoute(
                RouteAction.newBuilder()
                    .setCluster("c")
                    .setRegexRewrite(
                        RegexMatchAndSubstitute.newBuilder()
                            .setPattern(regex("^/service/([^/]+)(/.*)$"))
                            .setSubstitution("\\2/instance/\\1$")));
    assertThat(decide(r, 0).route().pathRewrite().rewrite("/service/foo/v1/api?q"))
        .isEqualTo("/v1/api/instance/foo$?q");
  }

  @Test
  void hostRewriteHashAndMirrorPoliciesAreCarried() throws Exception {
    Route.Builder r =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .setRoute(
                RouteAction.newBuilder()
                    .setCluster("c")
                    .setHostRewriteLiteral("backend.internal")
                    .addHashPolicy(
                        RouteAction.HashPolicy.newBuilder()
                            .setHeader(
                                RouteAction.HashPolicy.Header.newBuilder().setHeaderName("X-User")))
                    .addHashPolicy(
                        RouteAction.HashPolicy.newBuilder()
                            .setCookie(
                                RouteAction.HashPolicy.Cookie.newBuilder()
                                    .setName("session")
                                    .setTtl(seconds(60))
                                    .setPath("/"))
                            .setTerminal(true))
                    .addHashPolicy(
                        RouteAction.HashPolicy.newBuilder()
                            .setConnectionProperties(
                                RouteAction.HashPolicy.ConnectionProperties.newBuilder()
                                    .setSourceIp(true)))
                    .addRequestMirrorPolicies(
                        RouteAction.RequestMirrorPolicy.newBuilder()
                            .setCluster("shadow")
                            .setRuntimeFraction(
                                RuntimeFractionalPercent.newBuilder()
                                    .setDefaultValue(
                                        FractionalPercent.newBuilder().setNumerator(25)))));
    var route = decide(r, 0).route();
    assertThat(route.hostRewrite()).isEqualTo("backend.internal");
    assertThat(route.hashPolicies())
        .containsExactly(
            new HashPolicy(HashPolicy.Kind.HEADER, "x-user", -1, "", false),
            new HashPolicy(HashPolicy.Kind.COOKIE, "session", 60_000_000_000L, "/", true),
            new HashPolicy(HashPolicy.Kind.SOURCE_IP, null, -1, "", false));
    assertThat(route.mirrorPolicies()).containsExactly(new MirrorPolicy("shadow", 250_000));
  }

  @Test
  void headerChangesAreOrderedRouteVirtualHostRouteConfiguration() throws Exception {
    RouteConfiguration.Builder rc =
        RouteConfiguration.newBuilder()
            .setName("rc")
            .addRequestHeadersToAdd(add("x-level", "config"))
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("vh")
                    .addDomains("*")
                    .addRequestHeadersToAdd(add("x-level", "vhost"))
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(prefix("/"))
                            .addRequestHeadersToRemove("X-Internal")
                            .addRequestHeadersToAdd(
                                add("X-Level", "route")
                                    .setAppendAction(
                                        HeaderValueOption.HeaderAppendAction
                                            .OVERWRITE_IF_EXISTS_OR_ADD))
                            .addResponseHeadersToAdd(
                                add("x-served-by", "jmesh").setAppend(BoolValue.of(false)))
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setWeightedClusters(
                                        WeightedCluster.newBuilder()
                                            .addClusters(
                                                WeightedCluster.ClusterWeight.newBuilder()
                                                    .setName("v1")
                                                    .setWeight(UInt32Value.of(1))
                                                    .addRequestHeadersToAdd(add("x-v", "1")))
                                            .addClusters(
                                                WeightedCluster.ClusterWeight.newBuilder()
                                                    .setName("v2")
                                                    .setWeight(UInt32Value.of(1)))))));
    RouteTable table = RouteTableCompiler.compile(rc.build());
    RouteDecision v1 = table.decide(FakeRequest.get("h", "/"), 0);
    assertThat(v1.cluster()).isEqualTo("v1");
    assertThat(v1.requestHeaders())
        .containsExactly(
            new HeaderMutation(
                List.of(),
                List.of(new Addition("x-v", "1", Action.APPEND_IF_EXISTS_OR_ADD, false))),
            new HeaderMutation(
                List.of("x-internal"),
                List.of(
                    new Addition("x-level", "route", Action.OVERWRITE_IF_EXISTS_OR_ADD, false))),
            new HeaderMutation(
                List.of(),
                List.of(new Addition("x-level", "vhost", Action.APPEND_IF_EXISTS_OR_ADD, false))),
            new HeaderMutation(
                List.of(),
                List.of(new Addition("x-level", "config", Action.APPEND_IF_EXISTS_OR_ADD, false))));
    assertThat(v1.responseHeaders())
        .containsExactly(
            new HeaderMutation(
                List.of(),
                List.of(
                    new Addition(
                        "x-served-by", "jmesh", Action.OVERWRITE_IF_EXISTS_OR_ADD, false))));
    RouteDecision v2 = table.decide(FakeRequest.get("h", "/"), 1);
    assertThat(v2.cluster()).isEqualTo("v2");
    assertThat(v2.requestHeaders()).hasSize(3);

    RouteTable reversed =
        RouteTableCompiler.compile(rc.setMostSpecificHeaderMutationsWins(true).build());
    assertThat(reversed.decide(FakeRequest.get("h", "/"), 1).requestHeaders())
        .extracting(m -> m.add().get(0).value())
        .containsExactly("config", "vhost", "route");
  }

  @Test
  void formattersAndPseudoHeadersAreRejected() {
    Route.Builder formatter =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .addRequestHeadersToAdd(add("x-client", "%DOWNSTREAM_REMOTE_ADDRESS%"))
            .setRoute(RouteAction.newBuilder().setCluster("c"));
    assertThatThrownBy(() -> decide(formatter, 0))
        .hasMessage(
            "virtual_hosts[0].routes[0].request_headers_to_add[0].header.value:"
                + " substitution formatters (%...%) are not supported");
    Route.Builder pseudo =
        Route.newBuilder()
            .setMatch(prefix("/"))
            .addRequestHeadersToRemove(":path")
            .setRoute(RouteAction.newBuilder().setCluster("c"));
    assertThatThrownBy(() -> decide(pseudo, 0))
        .hasMessageStartingWith("virtual_hosts[0].routes[0].request_headers_to_remove[0]:");
  }
}
