package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.hosts;
import static dev.jmesh.dataplane.cluster.TestClusters.lb;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.cluster.TestClusters.FakeClock;
import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.LoadBalancingConfig;
import dev.jmesh.dataplane.config.OutlierDetectionConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutlierDetectionTest {

  private static final long SECOND = 1_000_000_000L;
  private final FakeClock clock = new FakeClock();

  private static OutlierDetectionConfig od(
      int consecutive5xx,
      int gateway,
      int enforcingGateway,
      int local,
      boolean split,
      int maxPercent) {
    return od(consecutive5xx, gateway, enforcingGateway, local, split, maxPercent, false);
  }

  private static OutlierDetectionConfig od(
      int consecutive5xx,
      int gateway,
      int enforcingGateway,
      int local,
      boolean split,
      int maxPercent,
      boolean alwaysEjectOne) {
    return new OutlierDetectionConfig(
        consecutive5xx,
        100,
        gateway,
        enforcingGateway,
        local,
        100,
        split,
        10 * SECOND,
        30 * SECOND,
        300 * SECOND,
        maxPercent,
        alwaysEjectOne,
        true);
  }

  private UpstreamCluster cluster(OutlierDetectionConfig od, int hosts) {
    return cluster(od, hosts, LoadBalancingConfig.DEFAULTS);
  }

  private UpstreamCluster cluster(OutlierDetectionConfig od, int hosts, LoadBalancingConfig lb) {
    return TestClusters.cluster(
        config(ClusterConfig.LbPolicy.ROUND_ROBIN, lb, od, hosts(hosts)), clock);
  }

  private static void fail(Host h, int times, int status) {
    for (int i = 0; i < times; i++) {
      h.requestStarted();
      h.requestFinished(status);
    }
  }

  private static Set<Host> picks(UpstreamCluster c, int n) {
    Set<Host> out = new HashSet<>();
    for (int i = 0; i < n; i++) {
      out.add(c.pick(0, false, i));
    }
    return out;
  }

  @Test
  void fiveConsecutive5xxEjectAHostByDefault() {
    UpstreamCluster c = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    Host h = c.hosts().get(0);
    fail(h, 4, 500);
    assertThat(h.ejected()).isFalse();
    fail(h, 1, 500);
    assertThat(h.ejected()).isTrue();
    assertThat(c.ejectedHosts()).isEqualTo(1);
    assertThat(picks(c, 100)).hasSize(9).doesNotContain(h);
  }

  @Test
  void aSuccessResetsTheCount() {
    UpstreamCluster c = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    Host h = c.hosts().get(0);
    fail(h, 4, 500);
    fail(h, 1, 404);
    fail(h, 4, 500);
    assertThat(h.ejected()).isFalse();
  }

  @Test
  void ejectionTimeGrowsWithEachEjectionAndIsCapped() {
    UpstreamCluster c = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    Host h = c.hosts().get(0);
    fail(h, 5, 503);
    clock.advanceSeconds(29);
    c.sweepOutliers(clock.nanos);
    assertThat(h.ejected()).isTrue();
    clock.advanceSeconds(1);
    c.sweepOutliers(clock.nanos);
    assertThat(h.ejected()).isFalse();
    assertThat(picks(c, 100)).contains(h);
    // Ejected again at once: 2 × 30 s.
    fail(h, 5, 503);
    clock.advanceSeconds(59);
    c.sweepOutliers(clock.nanos);
    assertThat(h.ejected()).isTrue();
    clock.advanceSeconds(1);
    c.sweepOutliers(clock.nanos);
    assertThat(h.ejected()).isFalse();
    // Many ejections in a row: never longer than max_ejection_time, 300 s.
    for (int i = 0; i < 20; i++) {
      fail(h, 5, 503);
      clock.advanceSeconds(300);
      c.sweepOutliers(clock.nanos);
      assertThat(h.ejected()).as("ejection %d", i).isFalse();
    }
  }

  @Test
  void theBackoffShrinksWhileTheHostStaysIn() {
    UpstreamCluster c = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    Host h = c.hosts().get(0);
    fail(h, 5, 500);
    clock.advanceSeconds(30);
    c.sweepOutliers(clock.nanos);
    fail(h, 5, 500);
    clock.advanceSeconds(60);
    c.sweepOutliers(clock.nanos);
    assertThat(h.ejectionBackoff()).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      clock.advanceSeconds(10);
      c.sweepOutliers(clock.nanos);
    }
    assertThat(h.ejectionBackoff()).isZero();
    fail(h, 5, 500);
    clock.advanceSeconds(30);
    c.sweepOutliers(clock.nanos);
    assertThat(h.ejected()).as("back to the base ejection time").isFalse();
  }

  @Test
  void maxEjectionPercentLimitsEjections() {
    UpstreamCluster ten = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    fail(ten.hosts().get(0), 5, 500);
    fail(ten.hosts().get(1), 5, 500);
    assertThat(ten.ejectedHosts()).as("1 of 10 is 10%, 2 would be 20%").isEqualTo(1);
    assertThat(ten.hosts().get(1).ejected()).isFalse();

    UpstreamCluster half = cluster(od(5, 5, 0, 5, false, 50), 4);
    for (Host h : half.hosts()) {
      fail(h, 5, 500);
    }
    assertThat(half.ejectedHosts()).isEqualTo(2);
  }

  @Test
  void oneHostOfAFewIsEjectedOnlyWhenAlwaysEjectOneHostIsSet() {
    // 1 of 3 hosts is 33%, above the default 10%: Envoy ejects none...
    UpstreamCluster three = cluster(OutlierDetectionConfig.DEFAULTS, 3);
    fail(three.hosts().get(0), 5, 500);
    assertThat(three.ejectedHosts()).isZero();
    // ...unless always_eject_one_host, and then only the first.
    UpstreamCluster always = cluster(od(5, 5, 0, 5, false, 10, true), 3);
    fail(always.hosts().get(0), 5, 500);
    fail(always.hosts().get(1), 5, 500);
    assertThat(always.ejectedHosts()).isEqualTo(1);
    assertThat(always.hosts().get(0).ejected()).isTrue();
  }

  @Test
  void gatewayFailuresCountOnlyBadGatewayUnavailableAndTimeout() {
    UpstreamCluster c = cluster(od(0, 2, 100, 5, false, 100), 4);
    Host h = c.hosts().get(0);
    fail(h, 1, 502);
    fail(h, 1, 500);
    fail(h, 1, 504);
    assertThat(h.ejected()).as("a 500 breaks the run").isFalse();
    fail(h, 1, 503);
    assertThat(h.ejected()).isTrue();
  }

  @Test
  void gatewayFailuresAreNotEnforcedByDefault() {
    UpstreamCluster c = cluster(od(0, 5, 0, 5, false, 100), 4);
    Host h = c.hosts().get(0);
    fail(h, 20, 502);
    assertThat(h.ejected()).isFalse();
  }

  @Test
  void localFailuresCountAsGatewayErrorsUnlessSplit() {
    UpstreamCluster c = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    Host h = c.hosts().get(0);
    for (int i = 0; i < 5; i++) {
      h.requestStarted();
      h.requestFailed(i % 2 == 0 ? LocalFailure.CONNECT_FAILED : LocalFailure.TIMEOUT);
    }
    assertThat(h.ejected()).isTrue();
    assertThat(h.activeRequests()).isZero();
  }

  @Test
  void splitLocalOriginFailuresHaveTheirOwnThreshold() {
    UpstreamCluster c = cluster(od(5, 5, 0, 3, true, 100), 4);
    Host h = c.hosts().get(0);
    fail(h, 4, 500);
    h.requestStarted();
    h.requestFailed(LocalFailure.RESET);
    h.requestStarted();
    h.requestFailed(LocalFailure.RESET);
    assertThat(h.ejected()).as("local failures do not count as 5xx").isFalse();
    h.connectionSucceeded();
    h.requestStarted();
    h.requestFailed(LocalFailure.CONNECT_FAILED);
    h.requestStarted();
    h.requestFailed(LocalFailure.CONNECT_FAILED);
    assertThat(h.ejected()).as("a success restarted the count").isFalse();
    h.requestStarted();
    h.requestFailed(LocalFailure.CONNECT_FAILED);
    assertThat(h.ejected()).isTrue();
  }

  @Test
  void withEveryHostEjectedThePanicThresholdDecides() {
    UpstreamCluster panic = cluster(od(1, 5, 0, 5, false, 100), 2);
    fail(panic.hosts().get(0), 1, 500);
    fail(panic.hosts().get(1), 1, 500);
    assertThat(panic.ejectedHosts()).isEqualTo(2);
    // Envoy's panic routing: all hosts again.
    assertThat(picks(panic, 10)).hasSize(2);

    UpstreamCluster strict = cluster(od(1, 5, 0, 5, false, 100), 2, lb(null, 0, false));
    fail(strict.hosts().get(0), 1, 500);
    fail(strict.hosts().get(1), 1, 500);
    assertThat(strict.pick(0, false, 1)).isNull();
  }

  @Test
  void ejectionStateSurvivesAnEndpointUpdate() {
    UpstreamCluster c = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    Host h = c.hosts().get(0);
    fail(h, 5, 500);
    c.update(TestClusters.withEndpoints(c.config(), hosts(11)));
    assertThat(c.hosts().get(0)).isSameAs(h);
    assertThat(h.ejected()).isTrue();
    assertThat(picks(c, 200)).hasSize(10).doesNotContain(h);
  }

  @Test
  void removingOutlierDetectionBringsEjectedHostsBack() {
    UpstreamCluster c = cluster(OutlierDetectionConfig.DEFAULTS, 10);
    Host h = c.hosts().get(0);
    fail(h, 5, 500);
    c.update(
        config(ClusterConfig.LbPolicy.ROUND_ROBIN, LoadBalancingConfig.DEFAULTS, null, hosts(10)));
    assertThat(h.ejected()).isFalse();
    assertThat(c.ejectedHosts()).isZero();
    assertThat(picks(c, 100)).contains(h);
  }

  @Test
  void noOutlierDetectionMeansNoEjection() {
    UpstreamCluster c =
        TestClusters.cluster(
            config(ClusterConfig.LbPolicy.ROUND_ROBIN, List.of(TestClusters.endpoint("a", 1))));
    Host h = c.hosts().get(0);
    fail(h, 50, 500);
    assertThat(h.ejected()).isFalse();
  }
}
