package dev.jmesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class XdsBackoffTest {
  private static final long MS = 1_000_000L;

  @Test
  void ceilingDoublesUpToTheMaximum() {
    XdsBackoff backoff =
        new XdsBackoff(Duration.ofMillis(500), Duration.ofSeconds(30), new SplittableRandom(1));
    assertThat(backoff.ceilingNanos(0)).isEqualTo(500 * MS);
    assertThat(backoff.ceilingNanos(1)).isEqualTo(1000 * MS);
    assertThat(backoff.ceilingNanos(5)).isEqualTo(16_000 * MS);
    assertThat(backoff.ceilingNanos(6)).isEqualTo(30_000 * MS);
    assertThat(backoff.ceilingNanos(1_000)).isEqualTo(30_000 * MS);
  }

  @Test
  void delaysAreFullyJitteredBelowTheCeiling() {
    XdsBackoff backoff =
        new XdsBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), new SplittableRandom(7));
    long below = 0;
    long sum = 0;
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      long delay = backoff.delayNanos(3);
      assertThat(delay).isBetween(0L, 800 * MS);
      sum += delay;
      if (delay < 80 * MS) {
        below++;
      }
    }
    // Uniform over [0, 800 ms]: mean near 400 ms, and a tenth of the draws under 80 ms.
    assertThat(sum / n).isBetween(380 * MS, 420 * MS);
    assertThat(below).isBetween(800L, 1200L);
  }

  @Test
  void refusesABaseAboveTheMaximum() {
    assertThatThrownBy(
            () -> new XdsBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("base");
  }
}
