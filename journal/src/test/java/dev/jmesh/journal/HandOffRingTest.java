package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ring alone, without a writer thread: this test drains it. */
class HandOffRingTest {

  private static final EntryLimits LIMITS =
      EntryLimits.of(JournalSettings.builder(Path.of("unused")).build());

  @Test
  void aFullRingRefusesAtOnceAndTakesNoSlot() {
    HandOffRing ring = new HandOffRing(4, LIMITS, new JournalLog(line -> {}));
    JournalRecord r = new JournalRecord();
    for (int i = 0; i < 4; i++) {
      assertThat(ring.offer(SampleRecords.reviews(r, i, 1L))).isTrue();
    }

    long started = System.nanoTime();
    for (int i = 4; i < 1004; i++) {
      assertThat(ring.offer(SampleRecords.reviews(r, i, 1L))).isFalse();
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
        .as("1000 offers to a full ring")
        .isLessThan(1000);
    assertThat(ring.size()).isEqualTo(4);

    List<String> drained = new ArrayList<>();
    assertThat(ring.drain(p -> drained.add(JournalTesting.decode(p).requestId()), 10)).isEqualTo(4);
    assertThat(drained).containsExactly("req-0", "req-1", "req-2", "req-3");
    assertThat(ring.offer(SampleRecords.reviews(r, 9, 1L))).isTrue();
  }

  @Test
  void aRecordThatCannotBeEncodedIsPublishedEmptySoTheWriterIsNotStuckBehindIt() {
    List<String> said = new ArrayList<>();
    HandOffRing ring = new HandOffRing(4, LIMITS, new JournalLog(said::add));
    JournalRecord r = new JournalRecord();
    assertThat(ring.offer(SampleRecords.reviews(r, 0, 1L).protocol(null))).isTrue();
    assertThat(ring.offer(SampleRecords.reviews(r, 1, 1L))).isTrue();

    List<Integer> lengths = new ArrayList<>();
    assertThat(ring.drain(p -> lengths.add(p.length()), 10)).isEqualTo(2);
    assertThat(lengths.get(0)).isZero();
    assertThat(lengths.get(1)).isPositive();
    assertThat(said).hasSize(1);
  }

  @Test
  void anEntryLargerThanASlotGrowsItAndIsKeptWhole() {
    HandOffRing ring =
        new HandOffRing(
            2,
            EntryLimits.of(JournalSettings.builder(Path.of("unused")).maxBodyBytes(4096).build()),
            new JournalLog(line -> {}));
    byte[] body = new byte[3 * HandOffRing.SLOT_BYTES];
    body[body.length - 1] = 7;
    JournalRecord r = SampleRecords.reviews(new JournalRecord(), 1, 1L);
    assertThat(ring.offer(r.requestBody(body, 0, body.length))).isTrue();

    List<JournalEntry> drained = new ArrayList<>();
    ring.drain(p -> drained.add(JournalTesting.decode(p)), 1);
    assertThat(drained.get(0).requestBody()).isEqualTo(body);
  }
}
