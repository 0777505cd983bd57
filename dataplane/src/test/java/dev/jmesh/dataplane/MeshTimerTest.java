package dev.jmesh.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MeshTimerTest {

  private final MeshTimer timer = new MeshTimer();

  @AfterEach
  void close() {
    timer.close();
  }

  @Test
  void thousandDelaysRunOnOneThreadAndNoneFiresEarly() throws Exception {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<Long>> fired = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      long delay = TimeUnit.MILLISECONDS.toNanos(20 + i % 30);
      fired.add(
          timer
              .delay(delay)
              .thenApply(
                  v -> {
                    threads.add(Thread.currentThread().getName());
                    return System.nanoTime() - start - delay;
                  }));
    }
    CompletableFuture.allOf(fired.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
    for (CompletableFuture<Long> f : fired) {
      assertThat(f.get()).as("lateness").isGreaterThanOrEqualTo(0);
    }
    assertThat(threads).containsExactly("jmesh-timer-1");
  }

  @Test
  void aCancelledDelayLeavesNothingQueued() {
    CompletableFuture<Void> d = timer.delay(TimeUnit.SECONDS.toNanos(60));
    assertThat(timer.pending()).isEqualTo(1);
    d.cancel(false);
    assertThat(timer.pending()).isZero();
  }

  @Test
  void noDelayCompletesAtOnce() {
    assertThat(timer.delay(0)).isCompleted();
    assertThat(timer.pending()).isZero();
  }
}
