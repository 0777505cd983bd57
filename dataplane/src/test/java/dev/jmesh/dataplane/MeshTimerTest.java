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
  void thousandTasksRunOnOneThreadAndNoneFiresEarly() throws Exception {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<Long>> lateness = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      long delay = TimeUnit.MILLISECONDS.toNanos(20 + i % 30);
      CompletableFuture<Long> late = new CompletableFuture<>();
      timer.schedule(
          () -> {
            threads.add(Thread.currentThread().getName());
            late.complete(System.nanoTime() - start - delay);
          },
          delay);
      lateness.add(late);
    }
    CompletableFuture.allOf(lateness.toArray(new CompletableFuture<?>[0]))
        .get(10, TimeUnit.SECONDS);
    for (CompletableFuture<Long> f : lateness) {
      assertThat(f.get()).as("lateness").isGreaterThanOrEqualTo(0);
    }
    assertThat(threads).containsExactly("jmesh-timer-1");
  }

  @Test
  void aDelayCompletesNoEarlierThanAsked() throws Exception {
    long start = System.nanoTime();
    timer.delay(TimeUnit.MILLISECONDS.toNanos(30)).get(5, TimeUnit.SECONDS);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
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
