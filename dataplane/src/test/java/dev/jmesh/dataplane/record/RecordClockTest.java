package dev.jmesh.dataplane.record;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecordClockTest {

  @Test
  void followsTheWallClockFromANanoTimeReading() {
    long before = System.currentTimeMillis();
    long at = RecordClock.epochMillis(System.nanoTime());
    long after = System.currentTimeMillis();
    // Within the clocks' granularity of the wall clock read around it.
    assertThat(at).isBetween(before - 5, after + 5);
    // From one reading, so that nothing between two readings (a pause of this JVM on a busy
    // machine) counts: 1.5 s of nanoTime later is 1,500 ms of wall clock later.
    long now = System.nanoTime();
    long later = RecordClock.epochMillis(now + 1_500_000_000L);
    assertThat(later - RecordClock.epochMillis(now)).isEqualTo(1_500L);
  }
}
