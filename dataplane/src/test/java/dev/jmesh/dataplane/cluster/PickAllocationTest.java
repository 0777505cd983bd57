package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.cluster;
import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The pick path and outcome reports allocate nothing, whatever the balancer. */
class PickAllocationTest {

  @ParameterizedTest
  @EnumSource(
      value = ClusterConfig.LbPolicy.class,
      names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"})
  void picksAllocateNothing(ClusterConfig.LbPolicy policy) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    List<Endpoint> eps = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      eps.add(endpoint("10.0.1." + (i + 1), 1 + i % 3));
    }
    UpstreamCluster c =
        cluster(
            config(
                policy,
                dev.jmesh.dataplane.config.LoadBalancingConfig.DEFAULTS,
                dev.jmesh.dataplane.config.OutlierDetectionConfig.DEFAULTS,
                eps));
    long sink = 0;
    for (int i = 0; i < 20_000; i++) {
      sink += pickAndReport(c, i);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100_000; i++) {
      sink += pickAndReport(c, i);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(sink).isNotZero();
    // Reading the counter itself may cost a few bytes; a per-pick allocation would be megabytes.
    assertThat(allocated).isLessThan(4096);
  }

  private static long pickAndReport(UpstreamCluster c, long i) {
    Host h = c.pick(i * 0x9E3779B97F4A7C15L, true, i);
    h.requestStarted();
    h.requestFinished(i % 3 == 0 ? 503 : 200);
    return h.port();
  }
}
