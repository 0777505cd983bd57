package dev.jmesh.controlplane.internal.ads;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DebouncerTest {
  final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
  final AtomicInteger runs = new AtomicInteger();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void aBurstRunsOnceAfterItGoesQuiet() throws Exception {
    Debouncer d = new Debouncer(executor, Duration.ofMillis(300), Duration.ofSeconds(10),
        runs::incrementAndGet);
    for (int i = 0; i < 10; i++) {
      d.trigger();
    }
    assertThat(runs.get()).isZero();
    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> runs.get() == 1);
    Thread.sleep(400);
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void aSteadyTrickleStillRunsByTheCap() throws Exception {
    Debouncer d = new Debouncer(executor, Duration.ofMillis(100), Duration.ofMillis(300),
        runs::incrementAndGet);
    // Triggers keep coming faster than the quiet time for 1.5 s: only the cap can run it.
    long end = System.nanoTime() + 1_500_000_000L;
    while (System.nanoTime() < end) {
      d.trigger();
      Thread.sleep(20);
    }
    assertThat(runs.get()).isPositive();
  }
}
