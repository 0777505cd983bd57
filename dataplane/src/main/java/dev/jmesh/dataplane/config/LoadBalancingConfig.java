package dev.jmesh.dataplane.config;

/**
 * How a cluster's balancer is tuned: the policy-specific {@code *_lb_config} messages and {@code
 * common_lb_config}, with Envoy's defaults for what is unset.
 *
 * @param minimumRingSize {@code ring_hash_lb_config.minimum_ring_size}, default 1024
 * @param maximumRingSize {@code ring_hash_lb_config.maximum_ring_size}, default 8M
 * @param maglevTableSize {@code maglev_lb_config.table_size}, a prime, default 65537
 * @param choiceCount {@code least_request_lb_config.choice_count}, default 2
 * @param activeRequestBias {@code least_request_lb_config.active_request_bias}, default 1.0
 * @param slowStart the slow start of {@code round_robin_lb_config} or {@code
 *     least_request_lb_config}; {@code null} when none
 * @param healthyPanicThresholdPercent {@code common_lb_config.healthy_panic_threshold}, default 50;
 *     0 disables panic routing
 * @param localityWeighted whether {@code common_lb_config.locality_weighted_lb_config} is set
 */
public record LoadBalancingConfig(
    long minimumRingSize,
    long maximumRingSize,
    int maglevTableSize,
    int choiceCount,
    double activeRequestBias,
    SlowStartConfig slowStart,
    double healthyPanicThresholdPercent,
    boolean localityWeighted) {

  public static final long DEFAULT_MINIMUM_RING_SIZE = 1024;
  public static final long DEFAULT_MAXIMUM_RING_SIZE = 8L * 1024 * 1024;
  public static final int DEFAULT_MAGLEV_TABLE_SIZE = 65537;

  /** Envoy's defaults for every field. */
  public static final LoadBalancingConfig DEFAULTS =
      new LoadBalancingConfig(
          DEFAULT_MINIMUM_RING_SIZE,
          DEFAULT_MAXIMUM_RING_SIZE,
          DEFAULT_MAGLEV_TABLE_SIZE,
          2,
          1.0,
          null,
          50.0,
          false);
}
