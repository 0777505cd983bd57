package dev.jmesh.dataplane.config;

/**
 * Envoy's {@code outlier_detection}: consecutive-error ejection with Envoy's defaults. A
 * threshold's enforcement is a percentage: 0 counts errors without ever ejecting.
 *
 * @param consecutive5xx {@code consecutive_5xx}, default 5
 * @param enforcingConsecutive5xx {@code enforcing_consecutive_5xx}, default 100
 * @param consecutiveGatewayFailure {@code consecutive_gateway_failure} (502, 503, 504), default 5
 * @param enforcingConsecutiveGatewayFailure {@code enforcing_consecutive_gateway_failure}, default
 *     0
 * @param consecutiveLocalOriginFailure {@code consecutive_local_origin_failure}, default 5; only
 *     counted when {@code splitExternalLocalOriginErrors}
 * @param enforcingConsecutiveLocalOriginFailure {@code enforcing_consecutive_local_origin_failure},
 *     default 100
 * @param splitExternalLocalOriginErrors whether connect failures, timeouts and resets are counted
 *     apart from responses; when not, they count as gateway errors (5xx)
 * @param intervalNanos {@code interval} between un-ejection sweeps, default 10 s
 * @param baseEjectionTimeNanos {@code base_ejection_time}, default 30 s; multiplied by the number
 *     of times in a row the host was ejected
 * @param maxEjectionTimeNanos {@code max_ejection_time}, default 300 s
 * @param maxEjectionPercent {@code max_ejection_percent}, default 10: an ejection may not take the
 *     ejected share of hosts above it
 * @param alwaysEjectOneHost {@code always_eject_one_host}, default false: one host can be ejected
 *     while none is, whatever {@code maxEjectionPercent} says
 * @param successfulActiveHealthCheckUnejectHost {@code
 *     successful_active_health_check_uneject_host}, default true: a passed active health check
 *     brings an ejected host back
 */
public record OutlierDetectionConfig(
    int consecutive5xx,
    int enforcingConsecutive5xx,
    int consecutiveGatewayFailure,
    int enforcingConsecutiveGatewayFailure,
    int consecutiveLocalOriginFailure,
    int enforcingConsecutiveLocalOriginFailure,
    boolean splitExternalLocalOriginErrors,
    long intervalNanos,
    long baseEjectionTimeNanos,
    long maxEjectionTimeNanos,
    int maxEjectionPercent,
    boolean alwaysEjectOneHost,
    boolean successfulActiveHealthCheckUnejectHost) {

  /** Envoy's defaults, what an empty {@code outlier_detection} means. */
  public static final OutlierDetectionConfig DEFAULTS =
      new OutlierDetectionConfig(
          5,
          100,
          5,
          0,
          5,
          100,
          false,
          10_000_000_000L,
          30_000_000_000L,
          300_000_000_000L,
          10,
          false,
          true);
}
