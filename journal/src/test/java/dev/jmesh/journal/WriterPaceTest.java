package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's adaptive pause between polls of the ring ({@link JournalWriter#nextPark}). */
class WriterPaceTest {

  private static final long MIN = JournalWriter.MIN_PARK_NANOS;
  private static final long MAX = JournalWriter.MAX_PARK_NANOS;

  @TempDir Path tmp;

  @Test
  void aPauseThatCollectsLittleOfTheRingDoublesUpToTheMaximum() {
    long park = MIN;
    int steps = 0;
    while (park < MAX) {
      long next = JournalWriter.nextPark(park, 3, 8192);
      assertThat(next).isEqualTo(Math.min(park * 2, MAX));
      park = next;
      steps++;
    }
    assertThat(steps).isEqualTo(3); // 1 → 2 → 4 → 8 ms
    assertThat(JournalWriter.nextPark(MAX, 0, 8192)).isEqualTo(MAX);
  }

  @Test
  void aPauseThatCollectsASixteenthOfTheRingGoesBackToTheMinimum() {
    assertThat(JournalWriter.nextPark(MAX, 8192 / 16, 8192)).isEqualTo(MIN);
    assertThat(JournalWriter.nextPark(MAX, 1000, 8192)).isEqualTo(MIN);
    assertThat(JournalWriter.nextPark(4 * MIN, 513, 8192)).isEqualTo(MIN);
    assertThat(JournalWriter.nextPark(4 * MIN, 511, 8192)).isEqualTo(8 * MIN);
  }

  @Test
  void aSmallRingKeepsTheShortestPause() {
    // Fewer than sixteen slots (the tests' rings): any growth could fill the ring between polls.
    assertThat(JournalWriter.nextPark(MIN, 0, 8)).isEqualTo(MIN);
    assertThat(JournalWriter.nextPark(MIN, 0, 2)).isEqualTo(MIN);
  }

  @Test
  void entriesOfferedDuringALongPauseAreAppendedAndCloseWritesTheRest() throws Exception {
    CopyOnWriteArrayList<String> written = new CopyOnWriteArrayList<>();
    EntrySink sink =
        new EntrySink() {
          @Override
          public void append(EntryBuffer payload) {
            written.add(JournalTesting.decode(payload).requestId());
          }

          @Override
          public void close() {}
        };
    Journal journal = Journal.openWith(JournalSettings.builder(tmp).build(), () -> sink);
    try {
      // Idle long enough for the pause to grow to its maximum.
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(4 * MAX));
      JournalRecord record = SampleRecords.reviews(new JournalRecord(), 1, 1L);
      assertThat(journal.offer(record.requestId("first"))).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (journal.appended() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(written).containsExactly("first");
      assertThat(journal.offer(record.requestId("second"))).isTrue();
    } finally {
      journal.close();
    }
    assertThat(written).containsExactly("first", "second");
    assertThat(journal.dropped()).isZero();
  }
}
