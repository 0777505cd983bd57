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
    long later = RecordClock.epochMillis(System.nanoTime() + 1_500_000_000L);
    assertThat(later - at).isBetween(1_495L, 1_505L);
  }
}
