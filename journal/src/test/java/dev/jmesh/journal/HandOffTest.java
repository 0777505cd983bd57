package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandOffTest {

  @TempDir Path tmp;

  @Test
  void aFullRingDropsAndCountsInsteadOfBlocking() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger appended = new AtomicInteger();
    EntrySink stuck =
        new EntrySink() {
          @Override
          public void append(JournalRecord record) {
            writing.countDown();
            try {
              // The disk hangs: the writer thread is stuck here until the test lets go.
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            appended.incrementAndGet();
          }

          @Override
          public void close() {}
        };
    JournalSettings settings = JournalSettings.builder(tmp).ringCapacity(8).build();
    try (Journal journal = Journal.openWith(settings, () -> stuck)) {
      JournalRecord record = SampleRecords.reviews(new JournalRecord(), 1, 1L);
      assertThat(journal.offer(record)).isTrue();
      assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();

      long started = System.nanoTime();
      int accepted = 0;
      for (int i = 0; i < 100; i++) {
        if (journal.offer(record)) {
          accepted++;
        }
      }
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      // The slot being written is still taken, so 7 of the 8 are free.
      assertThat(accepted).isEqualTo(7);
      assertThat(journal.dropped()).isEqualTo(93);
      assertThat(tookMillis).as("100 offers against a stuck writer").isLessThan(1000);
      release.countDown();
    }
    assertThat(appended.get()).isEqualTo(8);
  }

  @Test
  void aFailingDiskIsCountedAndTheWriterGoesOn() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    EntrySink flaky =
        new EntrySink() {
          @Override
          public void append(JournalRecord record) {
            if (calls.incrementAndGet() % 2 == 0) {
              throw new IllegalStateException("No space left on device");
            }
          }

          @Override
          public void close() {}
        };
    try (Journal journal = Journal.openWith(JournalSettings.builder(tmp).build(), () -> flaky)) {
      JournalRecord record = SampleRecords.reviews(new JournalRecord(), 1, 1L);
      for (int i = 0; i < 10; i++) {
        assertThat(journal.offer(record)).isTrue();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (journal.appended() + journal.failed() < 10 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(journal.appended()).isEqualTo(5);
      assertThat(journal.failed()).isEqualTo(5);
      assertThat(journal.dropped()).isZero();
    }
  }

  @Test
  void aJvmWithoutChroniclesAccessFailsToOpenAtOnceNamingTheFlags() {
    long started = System.nanoTime();
    assertThatThrownBy(
            () ->
                Journal.openWith(
                    JournalSettings.builder(tmp).build(),
                    () -> {
                      // What Chronicle throws when sun.nio.ch is not exported to it.
                      throw new AssertionError(
                          new IllegalAccessException("member is private: FileChannelImpl.map0"));
                    }))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("--add-exports java.base/sun.nio.ch=ALL-UNNAMED")
        .hasMessageContaining("--add-opens java.base/java.lang.reflect=ALL-UNNAMED");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
  }

  @Test
  void manyProducersLoseNothingWhenTheRingHasRoom() throws Exception {
    Path dir = tmp.resolve("journal");
    int threads = 4;
    int perThread = 5000;
    try (Journal journal =
        Journal.open(JournalSettings.builder(dir).ringCapacity(1 << 16).build())) {
      Thread[] producers = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        int id = t;
        producers[t] =
            new Thread(
                () -> {
                  JournalRecord r = new JournalRecord();
                  for (int i = 0; i < perThread; i++) {
                    SampleRecords.reviews(r, i, 1L).requestId(id + "-" + i);
                    journal.offer(r);
                  }
                });
        producers[t].start();
      }
      for (Thread p : producers) {
        p.join(30_000);
      }
      assertThat(journal.dropped()).isZero();
    }
    Set<String> ids = new HashSet<>();
    for (JournalEntry e : JournalRoundTripTest.readAll(dir)) {
      ids.add(e.requestId());
    }
    assertThat(ids).hasSize(threads * perThread);
  }

  @Test
  void aWrittenSlotKeepsNothingOfTheRequest() throws Exception {
    // A slot lives in the old generation for the journal's life: had it kept the request's strings
    // for a whole lap of the ring, each would be promoted and wait for a full collection.
    CountDownLatch written = new CountDownLatch(1);
    JournalRecord[] slot = new JournalRecord[1];
    String[] seen = new String[2];
    EntrySink capture =
        new EntrySink() {
          @Override
          public void append(JournalRecord record) {
            slot[0] = record;
            seen[0] = record.path();
            seen[1] = record.requestHeaders().size() > 0 ? record.requestHeaders().value(0) : null;
            written.countDown();
          }

          @Override
          public void close() {}
        };
    JournalSettings settings = JournalSettings.builder(tmp).ringCapacity(8).build();
    try (Journal journal = Journal.openWith(settings, () -> capture)) {
      JournalRecord record =
          SampleRecords.reviews(new JournalRecord(), 1, 1L)
              .request("GET", "reviews:9080", "/reviews/42")
              .addRequestHeader("x-user", "jason");
      assertThat(journal.offer(record)).isTrue();
      assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (slot[0].path() != null && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
    }
    assertThat(seen).containsExactly("/reviews/42", "jason");
    assertThat(slot[0].path()).isNull();
    assertThat(slot[0].authority()).isNull();
    assertThat(slot[0].requestHeaders().size()).isZero();
    assertThat(slot[0].requestHeaders().value(0)).isNull();
  }
}
