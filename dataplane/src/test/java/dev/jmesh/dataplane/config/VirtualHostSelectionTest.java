package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.Protos.config;
import static dev.jmesh.dataplane.config.Protos.prefix;
import static dev.jmesh.dataplane.config.Protos.route;
import static dev.jmesh.dataplane.config.Protos.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.RouteDecision;
import dev.jmesh.dataplane.route.RouteTable;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's virtual host selection by authority. */
class VirtualHostSelectionTest {

  private static RouteConfiguration mesh() {
    return config(
        "80",
        vhost(
            "exact",
            List.of(
                "reviews.default.svc.cluster.local",
                "reviews.default.svc.cluster.local:9080",
                "reviews",
                "reviews:9080"),
            route("r", prefix("/"), "exact")),
        vhost("suffix", List.of("*.default.svc.cluster.local"), route("r", prefix("/"), "suffix")),
        vhost(
            "longer-suffix",
            List.of("*.svc.cluster.local", "*-canary.default.svc.cluster.local"),
            route("r", prefix("/"), "longer-suffix")),
        vhost("prefix", List.of("ratings.*"), route("r", prefix("/"), "prefix")),
        vhost("any", List.of("*"), route("r", prefix("/"), "any")));
  }

  private static String cluster(RouteTable table, String authority) {
    RouteDecision d = table.decide(FakeRequest.get(authority, "/"), 0);
    return d.cluster();
  }

  @Test
  void exactDomainsWinWithAndWithoutPort() throws Exception {
    RouteTable table = RouteTableCompiler.compile(mesh());
    assertThat(cluster(table, "reviews")).isEqualTo("exact");
    assertThat(cluster(table, "reviews:9080")).isEqualTo("exact");
    assertThat(cluster(table, "REVIEWS.default.svc.cluster.local:9080")).isEqualTo("exact");
  }

  @Test
  void aPortNotListedFallsToTheWildcards() throws Exception {
    RouteTable table = RouteTableCompiler.compile(mesh());
    // Envoy matches the authority as sent: reviews:8080 is not a listed domain.
    assertThat(cluster(table, "reviews:8080")).isEqualTo("any");
  }

  @Test
  void theLongestSuffixWildcardWins() throws Exception {
    RouteTable table = RouteTableCompiler.compile(mesh());
    assertThat(cluster(table, "details.default.svc.cluster.local")).isEqualTo("suffix");
    assertThat(cluster(table, "details-canary.default.svc.cluster.local"))
        .isEqualTo("longer-suffix");
    assertThat(cluster(table, "details.other.svc.cluster.local")).isEqualTo("longer-suffix");
  }

  @Test
  void prefixWildcardsComeAfterSuffixWildcards() throws Exception {
    RouteTable table = RouteTableCompiler.compile(mesh());
    assertThat(cluster(table, "ratings.prod")).isEqualTo("prefix");
    assertThat(cluster(table, "ratings.default.svc.cluster.local")).isEqualTo("suffix");
  }

  @Test
  void ignorePortInHostMatchingStripsThePort() throws Exception {
    RouteConfiguration rc = mesh().toBuilder().setIgnorePortInHostMatching(true).build();
    RouteTable table = RouteTableCompiler.compile(rc);
    assertThat(cluster(table, "reviews:8080")).isEqualTo("exact");
    assertThat(cluster(table, "[::1]:8080")).isEqualTo("any");
  }

  @Test
  void noMatchingVirtualHostIsNoRoute() throws Exception {
    RouteTable table =
        RouteTableCompiler.compile(
            config("rc", vhost("a", List.of("a"), route("r", prefix("/"), "a"))));
    assertThat(table.decide(FakeRequest.get("b", "/"), 0)).isSameAs(RouteDecision.NO_ROUTE);
    assertThat(table.decide(FakeRequest.get("", "/"), 0)).isSameAs(RouteDecision.NO_ROUTE);
    assertThat(table.decide(FakeRequest.get(null, "/"), 0)).isSameAs(RouteDecision.NO_ROUTE);
  }

  @Test
  void emptyDomainListsAreRejected() {
    assertThatThrownBy(() -> RouteTableCompiler.compile(config("rc", vhost("a", List.of()))))
        .hasMessage("virtual_hosts[0].domains: at least one domain is required");
  }

  @Test
  void repeatedDomainsAreRejected() {
    assertThatThrownBy(
            () ->
                RouteTableCompiler.compile(
                    config("rc", vhost("a", List.of("x")), vhost("b", List.of("X")))))
        .hasMessageContaining("domain X appears more than once");
  }

  @Test
  void emptyDomainsAreRejected() {
    assertThatThrownBy(() -> RouteTableCompiler.compile(config("rc", vhost("a", List.of("")))))
        .hasMessageContaining("empty domain");
  }
}
