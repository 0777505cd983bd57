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
    long start = System.nanoTime();
    while (runs.get() == 0 && System.nanoTime() - start < 2_000_000_000L) {
      d.trigger();
      Thread.sleep(20);
    }
    assertThat(runs.get()).isPositive();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
  }
}
