package dev.jmesh.dataplane.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.Set;

/**
 * Compiles what a Cluster says about balancing, the {@code *_lb_config} message of its policy and
 * {@code common_lb_config}, into a {@link LoadBalancingConfig} with Envoy's defaults.
 */
final class LoadBalancingCompiler {

  private static final Set<String> RING_HASH =
      Set.of("minimum_ring_size", "maximum_ring_size", "hash_function");
  private static final Set<String> MAGLEV = Set.of("table_size");
  private static final Set<String> LEAST_REQUEST =
      Set.of("choice_count", "active_request_bias", "slow_start_config");
  private static final Set<String> ROUND_ROBIN = Set.of("slow_start_config");
  private static final Set<String> SLOW_START =
      Set.of("slow_start_window", "aggression", "min_weight_percent");
  private static final Set<String> RUNTIME_DOUBLE = Set.of("default_value", "runtime_key");
  private static final Set<String> COMMON_LB =
      Set.of("healthy_panic_threshold", "locality_weighted_lb_config");
  private static final long MAX_RING_SIZE = 8L * 1024 * 1024;
  private static final int MAX_MAGLEV_TABLE_SIZE = 5_000_011;

  private LoadBalancingCompiler() {}

  static LoadBalancingConfig loadBalancing(Cluster c) throws InvalidConfigException {
    LoadBalancingConfig d = LoadBalancingConfig.DEFAULTS;
    long minRing = d.minimumRingSize();
    long maxRing = d.maximumRingSize();
    int maglev = d.maglevTableSize();
    int choices = d.choiceCount();
    double bias = d.activeRequestBias();
    SlowStartConfig slowStart = null;
    double panic = d.healthyPanicThresholdPercent();
    boolean localityWeighted = false;
    Cluster.LbPolicy policy = c.getLbPolicy();
    if (c.hasRingHashLbConfig()) {
      only(policy, Cluster.LbPolicy.RING_HASH, "ring_hash_lb_config");
      Cluster.RingHashLbConfig r = c.getRingHashLbConfig();
      SupportedFields.check(r, "ring_hash_lb_config", RING_HASH);
      if (r.getHashFunction() != Cluster.RingHashLbConfig.HashFunction.XX_HASH) {
        throw new InvalidConfigException(
            "ring_hash_lb_config.hash_function", "only XX_HASH is supported");
      }
      if (r.hasMinimumRingSize()) {
        minRing = r.getMinimumRingSize().getValue();
      }
      if (r.hasMaximumRingSize()) {
        maxRing = r.getMaximumRingSize().getValue();
      }
      if (minRing < 1 || minRing > MAX_RING_SIZE) {
        throw new InvalidConfigException(
            "ring_hash_lb_config.minimum_ring_size", "must be in [1, 8388608]");
      }
      if (maxRing < 1 || maxRing > MAX_RING_SIZE) {
        throw new InvalidConfigException(
            "ring_hash_lb_config.maximum_ring_size", "must be in [1, 8388608]");
      }
      if (minRing > maxRing) {
        throw new InvalidConfigException(
            "ring_hash_lb_config.minimum_ring_size", "must not exceed maximum_ring_size");
      }
    }
    if (c.hasMaglevLbConfig()) {
      only(policy, Cluster.LbPolicy.MAGLEV, "maglev_lb_config");
      SupportedFields.check(c.getMaglevLbConfig(), "maglev_lb_config", MAGLEV);
      if (c.getMaglevLbConfig().hasTableSize()) {
        long size = c.getMaglevLbConfig().getTableSize().getValue();
        // A table whose size is not prime never fills: some permutations repeat slots.
        if (size < 2 || size > MAX_MAGLEV_TABLE_SIZE || !isPrime(size)) {
          throw new InvalidConfigException(
              "maglev_lb_config.table_size", "must be a prime no larger than 5000011");
        }
        maglev = (int) size;
      }
    }
    if (c.hasLeastRequestLbConfig()) {
      only(policy, Cluster.LbPolicy.LEAST_REQUEST, "least_request_lb_config");
      Cluster.LeastRequestLbConfig l = c.getLeastRequestLbConfig();
      SupportedFields.check(l, "least_request_lb_config", LEAST_REQUEST);
      if (l.hasChoiceCount()) {
        choices = l.getChoiceCount().getValue();
        if (choices < 2) {
          throw new InvalidConfigException(
              "least_request_lb_config.choice_count", "must be at least 2");
        }
      }
      if (l.hasActiveRequestBias()) {
        SupportedFields.check(
            l.getActiveRequestBias(),
            "least_request_lb_config.active_request_bias",
            RUNTIME_DOUBLE);
        bias = l.getActiveRequestBias().getDefaultValue();
        if (!(bias >= 0.0) || Double.isInfinite(bias)) {
          throw new InvalidConfigException(
              "least_request_lb_config.active_request_bias", "must be a finite number >= 0");
        }
      }
      if (l.hasSlowStartConfig()) {
        slowStart = slowStart(l.getSlowStartConfig(), "least_request_lb_config.slow_start_config");
      }
    }
    if (c.hasRoundRobinLbConfig()) {
      only(policy, Cluster.LbPolicy.ROUND_ROBIN, "round_robin_lb_config");
      SupportedFields.check(c.getRoundRobinLbConfig(), "round_robin_lb_config", ROUND_ROBIN);
      if (c.getRoundRobinLbConfig().hasSlowStartConfig()) {
        slowStart =
            slowStart(
                c.getRoundRobinLbConfig().getSlowStartConfig(),
                "round_robin_lb_config.slow_start_config");
      }
    }
    if (c.hasCommonLbConfig()) {
      Cluster.CommonLbConfig common = c.getCommonLbConfig();
      SupportedFields.check(common, "common_lb_config", COMMON_LB);
      if (common.hasHealthyPanicThreshold()) {
        panic = common.getHealthyPanicThreshold().getValue();
        if (!(panic >= 0.0 && panic <= 100.0)) {
          throw new InvalidConfigException(
              "common_lb_config.healthy_panic_threshold", "must be in [0, 100]");
        }
      }
      if (common.hasLocalityWeightedLbConfig()) {
        SupportedFields.check(
            common.getLocalityWeightedLbConfig(),
            "common_lb_config.locality_weighted_lb_config",
            Set.of());
        localityWeighted = true;
      }
    }
    return new LoadBalancingConfig(
        minRing, maxRing, maglev, choices, bias, slowStart, panic, localityWeighted);
  }

  /** Envoy ignores another policy's config; we reject it so a mistake cannot pass unnoticed. */
  private static void only(Cluster.LbPolicy actual, Cluster.LbPolicy wanted, String field)
      throws InvalidConfigException {
    if (actual != wanted) {
      throw new InvalidConfigException(field, "only applies to lb_policy " + wanted);
    }
  }

  private static SlowStartConfig slowStart(Cluster.SlowStartConfig s, String at)
      throws InvalidConfigException {
    SupportedFields.check(s, at, SLOW_START);
    if (!s.hasSlowStartWindow()) {
      throw new InvalidConfigException(at + ".slow_start_window", "is required");
    }
    long window = Policies.nanos(s.getSlowStartWindow(), at + ".slow_start_window");
    double aggression = 1.0;
    if (s.hasAggression()) {
      SupportedFields.check(s.getAggression(), at + ".aggression", RUNTIME_DOUBLE);
      aggression = s.getAggression().getDefaultValue();
      if (!(aggression > 0.0) || Double.isInfinite(aggression)) {
        throw new InvalidConfigException(at + ".aggression", "must be a finite number > 0");
      }
    }
    double minWeight = 10.0;
    if (s.hasMinWeightPercent()) {
      minWeight = s.getMinWeightPercent().getValue();
      if (!(minWeight >= 0.0 && minWeight <= 100.0)) {
        throw new InvalidConfigException(at + ".min_weight_percent", "must be in [0, 100]");
      }
    }
    if (window == 0) {
      // Envoy treats a zero window as no slow start.
      return null;
    }
    return new SlowStartConfig(window, aggression, minWeight);
  }

  static boolean isPrime(long n) {
    if (n < 2) {
      return false;
    }
    for (long d = 2; d * d <= n; d++) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }
}
