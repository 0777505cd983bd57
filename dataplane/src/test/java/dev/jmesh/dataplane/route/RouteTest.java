package dev.jmesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RouteTest {

  private static final PathMatch ALL = PathMatch.literal(PathMatch.Kind.PREFIX, "/", true);

  @Test
  void weightedClustersHitTheirTargets() {
    int[] weights = {70, 20, 9, 1};
    Route route =
        Route.builder("vh", "split", ALL)
            .clusters(
                List.of(
                    new WeightedTarget("a", weights[0]),
                    new WeightedTarget("b", weights[1]),
                    new WeightedTarget("c", weights[2]),
                    new WeightedTarget("d", weights[3]),
                    new WeightedTarget("never", 0)))
            .build();
    SplittableRandom random = new SplittableRandom(42);
    int n = 200_000;
    int[] counts = new int[5];
    for (int i = 0; i < n; i++) {
      String c = route.decision(random.nextLong()).cluster();
      counts[c.equals("never") ? 4 : c.charAt(0) - 'a']++;
    }
    assertThat(counts[4]).isZero();
    double chiSquare = 0;
    for (int i = 0; i < 4; i++) {
      double expected = n * weights[i] / 100.0;
      chiSquare += Math.pow(counts[i] - expected, 2) / expected;
    }
    // 3 degrees of freedom: p = 0.001 at 16.27.
    assertThat(chiSquare).isLessThan(16.27);
  }

  @Test
  void negativeRandomValuesPickValidClusters() {
    Route route =
        Route.builder("vh", "r", ALL)
            .clusters(List.of(new WeightedTarget("a", 1), new WeightedTarget("b", 2)))
            .build();
    assertThat(route.decision(Long.MIN_VALUE).cluster()).isIn("a", "b");
    assertThat(route.decision(-1).cluster()).isIn("a", "b");
    assertThat(route.decision(0).cluster()).isEqualTo("a");
    assertThat(route.decision(1).cluster()).isEqualTo("b");
    assertThat(route.decision(2).cluster()).isEqualTo("b");
  }

  @Test
  void weightsSummingToZeroAreRefused() {
    assertThatThrownBy(
            () ->
                Route.builder("vh", "r", ALL).clusters(List.of(new WeightedTarget("a", 0))).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sum to 0");
  }

  @Test
  void decisionsArePrebuiltAndShared() {
    Route route =
        Route.builder("vh", "r", ALL).clusters(List.of(new WeightedTarget("a", 1))).build();
    assertThat(route.decision(1)).isSameAs(route.decision(2));
    assertThat(route.decision(1).kind()).isEqualTo(RouteDecision.Kind.CLUSTER);
    assertThat(route.decision(1).route()).isSameAs(route);
  }

  @Test
  void decideAllocatesNothingWithLiteralMatchers() {
    List<Route> routes =
        List.of(
            Route.builder("vh", "r1", PathMatch.literal(PathMatch.Kind.PREFIX, "/api", true))
                .headers(
                    List.of(
                        HeaderMatch.string(
                            "x-user",
                            StringMatch.literal(StringMatch.Kind.EXACT, "alice", true),
                            false,
                            false)))
                .queryParameters(
                    List.of(
                        QueryParameterMatch.value(
                            "v", StringMatch.literal(StringMatch.Kind.PREFIX, "2", false))))
                .clusters(List.of(new WeightedTarget("a", 50), new WeightedTarget("b", 50)))
                .build());
    RouteTable table =
        new RouteTable("t", List.of(new VirtualHost("vh", List.of("*.svc", "reviews"), routes)));
    FakeRequest request = FakeRequest.get("Reviews.svc", "/api/x?v=2").header("X-User", "ALICE");
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long hits = 0;
    for (int i = 0; i < 20_000; i++) {
      hits += table.decide(request, i).kind() == RouteDecision.Kind.CLUSTER ? 1 : 0;
    }
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 100_000; i++) {
      hits += table.decide(request, i).kind() == RouteDecision.Kind.CLUSTER ? 1 : 0;
    }
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    assertThat(hits).isEqualTo(120_000);
    // The measurement itself may allocate a few bytes; a per-request allocation would be MBs.
    assertThat(allocated).isLessThan(10_000);
  }

  @Test
  void theStartFilterNeverHidesAMatchingRoute() {
    // Prefixes longer and shorter than the eight packed characters, a case-insensitive one, an
    // exact path, and paths with characters beyond one byte.
    List<Route> routes =
        List.of(
            Route.builder("vh", "long", PathMatch.literal(PathMatch.Kind.PREFIX, "/api/v18/", true))
                .clusters(List.of(new WeightedTarget("long", 1)))
                .build(),
            Route.builder("vh", "short", PathMatch.literal(PathMatch.Kind.PREFIX, "/ap", true))
                .clusters(List.of(new WeightedTarget("short", 1)))
                .build(),
            Route.builder("vh", "ci", PathMatch.literal(PathMatch.Kind.PREFIX, "/CASE", false))
                .clusters(List.of(new WeightedTarget("ci", 1)))
                .build(),
            Route.builder(
                    "vh", "exact", PathMatch.literal(PathMatch.Kind.PATH, "/\u00e9t\u00e9", true))
                .clusters(List.of(new WeightedTarget("exact", 1)))
                .build(),
            Route.builder(
                    "vh", "unicode", PathMatch.literal(PathMatch.Kind.PREFIX, "/\u4e2d", true))
                .clusters(List.of(new WeightedTarget("unicode", 1)))
                .build());
    RouteTable table = new RouteTable("t", List.of(new VirtualHost("vh", List.of("*"), routes)));
    assertThat(table.decide(FakeRequest.get("h", "/api/v18/x"), 0).cluster()).isEqualTo("long");
    assertThat(table.decide(FakeRequest.get("h", "/api/v1"), 0).cluster()).isEqualTo("short");
    assertThat(table.decide(FakeRequest.get("h", "/apple"), 0).cluster()).isEqualTo("short");
    assertThat(table.decide(FakeRequest.get("h", "/case/x"), 0).cluster()).isEqualTo("ci");
    assertThat(table.decide(FakeRequest.get("h", "/\u00e9t\u00e9"), 0).cluster())
        .isEqualTo("exact");
    assertThat(table.decide(FakeRequest.get("h", "/\u4e2d\u6587"), 0).cluster())
        .isEqualTo("unicode");
    assertThat(table.decide(FakeRequest.get("h", "/a\u4e2d"), 0)).isSameAs(RouteDecision.NO_ROUTE);
    assertThat(table.decide(FakeRequest.get("h", "/"), 0)).isSameAs(RouteDecision.NO_ROUTE);
  }
}
