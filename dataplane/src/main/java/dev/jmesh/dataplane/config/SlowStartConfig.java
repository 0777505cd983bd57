package dev.jmesh.dataplane.config;

/**
 * Envoy's {@code slow_start_config} (Istio's {@code warmupDurationSecs}): a host that has just
 * arrived, or just passed its first health check, gets its weight scaled by {@code
 * max(minWeightPercent / 100, (elapsed / window) ^ (1 / aggression))} until the window ends, so a
 * fresh JVM gets traffic ramped while its JIT warms up.
 *
 * @param windowNanos {@code slow_start_window}
 * @param aggression {@code aggression}, default 1.0 (a linear ramp)
 * @param minWeightPercent {@code min_weight_percent}, default 10
 */
public record SlowStartConfig(long windowNanos, double aggression, double minWeightPercent) {

  /** The factor applied to a host's weight {@code elapsedNanos} after it entered slow start. */
  public double factor(long elapsedNanos) {
    if (elapsedNanos >= windowNanos) {
      return 1.0;
    }
    // Envoy counts at least 1 ms so a host is never weighted exactly 0 before the floor.
    double timeFactor = Math.max(elapsedNanos, 1_000_000L) / (double) windowNanos;
    double bias = aggression == 1.0 ? timeFactor : Math.pow(timeFactor, 1.0 / aggression);
    return Math.min(1.0, Math.max(bias, minWeightPercent / 100.0));
  }
}
