package dev.jmesh.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.CircuitBreakerThresholds;
import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.HealthCheckConfig;
import dev.jmesh.dataplane.config.LoadBalancingConfig;
import dev.jmesh.dataplane.config.OutlierDetectionConfig;
import dev.jmesh.dataplane.config.SlowStartConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/** Builders and statistics shared by the cluster tests. */
final class TestClusters {

  private TestClusters() {}

  /** A clock the test moves by hand. */
  static final class FakeClock implements LongSupplier {
    long nanos = 1_000_000_000L;

    @Override
    public long getAsLong() {
      return nanos;
    }

    void advanceSeconds(double s) {
      nanos += (long) (s * 1e9);
    }
  }

  static Endpoint endpoint(String address, int weight) {
    return endpoint(address, weight, 0, "", 0, Endpoint.Health.HEALTHY);
  }

  static Endpoint endpoint(
      String address,
      int weight,
      int priority,
      String zone,
      int localityWeight,
      Endpoint.Health health) {
    return new Endpoint(address, 80, weight, priority, "r", zone, "", localityWeight, health);
  }

  /** {@code n} hosts 10.0.0.1 … of weight 1. */
  static List<Endpoint> hosts(int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 1));
    }
    return out;
  }

  static ClusterConfig config(ClusterConfig.LbPolicy policy, List<Endpoint> endpoints) {
    return config(policy, LoadBalancingConfig.DEFAULTS, null, endpoints);
  }

  static ClusterConfig config(
      ClusterConfig.LbPolicy policy,
      LoadBalancingConfig lb,
      OutlierDetectionConfig outlier,
      List<Endpoint> endpoints) {
    return new ClusterConfig(
        "c",
        ClusterConfig.Discovery.STATIC,
        null,
        policy,
        5_000_000_000L,
        endpoints,
        lb,
        outlier,
        CircuitBreakerThresholds.DEFAULTS,
        null,
        ClusterConfig.DnsLookupFamily.AUTO,
        null,
        null);
  }

  static ClusterConfig withHealthCheck(ClusterConfig c, HealthCheckConfig check) {
    return new ClusterConfig(
        c.name(),
        c.discovery(),
        c.edsServiceName(),
        c.lbPolicy(),
        c.connectTimeoutNanos(),
        c.endpoints(),
        c.loadBalancing(),
        c.outlierDetection(),
        c.circuitBreakers(),
        check,
        c.dnsLookupFamily(),
        c.tls(),
        c.httpProtocolOptions());
  }

  static ClusterConfig withEndpoints(ClusterConfig c, List<Endpoint> endpoints) {
    return new ClusterConfig(
        c.name(),
        c.discovery(),
        c.edsServiceName(),
        c.lbPolicy(),
        c.connectTimeoutNanos(),
        endpoints,
        c.loadBalancing(),
        c.outlierDetection(),
        c.circuitBreakers(),
        c.healthCheck(),
        c.dnsLookupFamily(),
        c.tls(),
        c.httpProtocolOptions());
  }

  static LoadBalancingConfig lb(SlowStartConfig slowStart, double panic, boolean localities) {
    LoadBalancingConfig d = LoadBalancingConfig.DEFAULTS;
    return new LoadBalancingConfig(
        d.minimumRingSize(),
        d.maximumRingSize(),
        d.maglevTableSize(),
        d.choiceCount(),
        d.activeRequestBias(),
        slowStart,
        panic,
        localities);
  }

  /** A cluster whose rebuilds run at once on the calling thread, with nothing scheduled. */
  static UpstreamCluster cluster(ClusterConfig c, LongSupplier clock) {
    return new UpstreamCluster(c, clock, Runnable::run, null);
  }

  static UpstreamCluster cluster(ClusterConfig c) {
    return cluster(c, new FakeClock());
  }

  /** Picks {@code n} times with seeded randomness and counts hits per host key. */
  static Map<String, Integer> count(UpstreamCluster cluster, int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, Integer> hits = new LinkedHashMap<>();
    for (Host h : cluster.hosts()) {
      hits.put(h.hostKey(), 0);
    }
    for (int i = 0; i < n; i++) {
      Host h = cluster.pick(0, false, rnd.nextLong());
      hits.merge(h.hostKey(), 1, Integer::sum);
    }
    return hits;
  }

  /**
   * Pearson's chi-square of {@code observed} counts against {@code expectedShares} (summing to 1),
   * asserted below the 0.1% critical value: a correct balancer fails this once in a thousand seeds,
   * and the seeds are fixed.
   */
  static void assertChiSquare(long[] observed, double[] expectedShares) {
    long total = 0;
    for (long o : observed) {
      total += o;
    }
    double chi = 0;
    int df = -1;
    for (int i = 0; i < observed.length; i++) {
      double e = expectedShares[i] * total;
      if (e == 0) {
        assertThat(observed[i]).as("hits where none are expected, bucket " + i).isZero();
        continue;
      }
      chi += (observed[i] - e) * (observed[i] - e) / e;
      df++;
    }
    assertThat(chi)
        .as(
            "chi-square with %d degrees of freedom, observed %s",
            df, java.util.Arrays.toString(observed))
        .isLessThan(critical(Math.max(df, 1)));
  }

  /** The 0.999 quantile of chi-square, by the Wilson–Hilferty approximation. */
  static double critical(int df) {
    double z = 3.0902;
    double a = 2.0 / (9.0 * df);
    return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
  }

  static long[] observed(Map<String, Integer> hits, List<String> keys) {
    long[] out = new long[keys.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = hits.getOrDefault(keys.get(i), 0);
    }
    return out;
  }
}
