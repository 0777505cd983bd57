package dev.jmesh.dataplane.xds;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter (AWS's "full jitter"; Envoy's {@code
 * JitteredExponentialBackOffStrategy}): the delay before attempt {@code n} is uniform in {@code
 * [0, min(max, base * 2^n)]}, so that many agents losing the same control plane do not come back
 * in step.
 */
final class XdsBackoff {
  private final long baseNanos;
  private final long maxNanos;
  private final RandomGenerator random;

  XdsBackoff(Duration base, Duration max, RandomGenerator random) {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "xDS backoff needs 0 < base <= max, got base " + base + ", max " + max);
    }
    this.baseNanos = base.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The delay before retry number {@code attempt} (0 for the first retry). */
  long delayNanos(int attempt) {
    return random.nextLong(ceilingNanos(attempt) + 1);
  }

  /** The upper bound of the delay before retry number {@code attempt}. */
  long ceilingNanos(int attempt) {
    int shift = Math.min(Math.max(attempt, 0), 62);
    long ceiling = baseNanos << shift;
    return (ceiling >> shift) != baseNanos || ceiling > maxNanos ? maxNanos : ceiling;
  }
}
