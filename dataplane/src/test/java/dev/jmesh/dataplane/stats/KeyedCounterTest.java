package dev.jmesh.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyedCounterTest {

  @Test
  void countsPerKey() {
    KeyedCounter counter = new KeyedCounter(10);
    counter.increment("a:80");
    counter.increment("a:80");
    counter.increment("b:443");
    assertThat(counter.get("a:80")).isEqualTo(2);
    assertThat(counter.get("b:443")).isEqualTo(1);
    assertThat(counter.get("never")).isZero();
  }

  @Test
  void snapshotIsSortedAndDetached() {
    KeyedCounter counter = new KeyedCounter(10);
    counter.increment("b");
    counter.increment("a");
    counter.increment("c");
    Map<String, Long> snapshot = counter.snapshot();
    assertThat(snapshot).containsExactly(Map.entry("a", 1L), Map.entry("b", 1L), Map.entry("c", 1L));
    counter.increment("a");
    assertThat(snapshot).containsEntry("a", 1L);
    assertThat(counter.snapshot()).containsEntry("a", 2L);
  }

  @Test
  void keysPastTheCapCountIntoOverflow() {
    KeyedCounter counter = new KeyedCounter(2);
    counter.increment("a");
    counter.increment("b");
    counter.increment("c");
    counter.increment("d");
    counter.increment("c");
    counter.increment("a");
    assertThat(counter.snapshot())
        .containsOnly(Map.entry("a", 2L), Map.entry("b", 1L), Map.entry(KeyedCounter.OVERFLOW, 3L));
    assertThat(counter.get("c")).isZero();
    assertThat(counter.get(KeyedCounter.OVERFLOW)).isEqualTo(3);
  }

  @Test
  void manyDistinctKeysStayBounded() {
    KeyedCounter counter = new KeyedCounter(100);
    for (int i = 0; i < 10_000; i++) {
      counter.increment("host-" + i);
    }
    Map<String, Long> snapshot = counter.snapshot();
    assertThat(snapshot).hasSize(101);
    assertThat(snapshot.get(KeyedCounter.OVERFLOW)).isEqualTo(9_900L);
    assertThat(snapshot.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000L);
  }

  @Test
  void concurrentIncrementsSumExactly() throws Exception {
    int threads = 4;
    int perThread = 50_000;
    KeyedCounter counter = new KeyedCounter(1000);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            counter.increment("shared");
            counter.increment("k" + (i % 8));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(counter.get("shared")).isEqualTo((long) threads * perThread);
    for (int k = 0; k < 8; k++) {
      assertThat(counter.get("k" + k)).isEqualTo((long) threads * perThread / 8);
    }
  }
}
