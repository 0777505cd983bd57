package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals damaged on disk the ways disks and crashes damage them: a zero-filled tail, a cycle file
 * gone, an entry cut by a crash and then appended after by a restarted writer, bytes flipped
 * anywhere. The reader says what and where, skips what it can, never hangs and never throws
 * anything but {@link JournalException}.
 */
class DamagedJournalTest {

  private static final long MARKER_MILLIS = 0x0A1B2C3D4E5FL;
  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir Path tmp;

  @Test
  void aZeroFilledTailEndsTheJournalAtTheLastWholeEntry() throws Exception {
    Path dir = tmp.resolve("journal");
    write(dir, 0, 3);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.findStart(cycle, MARKER_MILLIS + 1);
    // What a crash before the page cache reached the disk leaves: zeros from inside req-1 on.
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      // The rest of the file is zeros already (Chronicle grows it sparse): 64 KiB covers it.
      f.seek(at + 20);
      f.write(new byte[(int) Math.min(f.length() - at - 20, 64 * 1024)]);
    }
    Read read = read(dir);
    assertThat(read.failure).isNull();
    assertThat(read.ids()).containsExactly("req-0");
    assertThat(read.damage)
        .singleElement()
        .asString()
        .startsWith("skipped the damaged entry 0x")
        .contains(cycle.getFileName().toString())
        .contains("checksum does not match");
  }

  @Test
  void aMissingCycleFileLeavesTheOthersReadable() throws Exception {
    Path dir = tmp.resolve("journal");
    long hour = 3_600_000L;
    long start = 1_790_000_000_000L / hour * hour + 60_000;
    SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(start));
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build(), clock)) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 3; i++) {
        journal.offer(SampleRecords.reviews(r, i, clock.currentTimeMillis()));
        long expected = i + 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.appended() == expected);
        clock.advanceMillis(hour);
      }
    }
    List<Path> cycles = JournalFiles.cycleFiles(dir);
    assertThat(cycles).hasSize(3);
    Files.delete(cycles.get(1));
    Read read = read(dir);
    assertThat(read.failure).isNull();
    assertThat(read.ids()).containsExactly("req-0", "req-2");
  }

  @Test
  void aWriterRestartedAfterATornEntryKeepsWhatItAppends() throws Exception {
    Path dir = tmp.resolve("journal");
    write(dir, 0, 3);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.findStart(cycle, MARKER_MILLIS + 2);
    // A torn write: the last entry's framing made it to disk, half its payload did not.
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.seek(at + 8);
      f.write(new byte[40]);
    }
    write(dir, 3, 3);
    Read read = read(dir);
    assertThat(read.failure).isNull();
    assertThat(read.ids()).containsExactly("req-0", "req-1", "req-3", "req-4", "req-5");
    assertThat(read.damage).hasSize(1);
  }

  @Test
  void aWriterRestartedAfterATruncatedCycleFileKeepsWhatItAppends() throws Exception {
    Path dir = tmp.resolve("journal");
    write(dir, 0, 3);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.findStart(cycle, MARKER_MILLIS + 2);
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.setLength(at + 20);
    }
    assertTimeoutPreemptively(BOUND, () -> write(dir, 3, 3));
    Read read = read(dir);
    assertThat(read.failure).isNull();
    assertThat(read.ids()).startsWith("req-0", "req-1").contains("req-3", "req-4", "req-5");
  }

  /**
   * Bytes flipped anywhere in the cycle file's used part, Chronicle's own headers and index
   * included: whatever is read is an ordered subset of what was written, anything else is a
   * JournalException naming the journal, and every read ends. The flips are undone after each
   * round, so one journal serves all rounds. {@code -Djournal.flip.seed=N} repeats a run, {@code
   * -Djournal.flip.rounds=N} makes it longer.
   */
  @Test
  void flippedBytesAnywhereEndInEntriesOrAJournalException() throws Exception {
    Path dir = tmp.resolve("journal");
    write(dir, 0, 20);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    // The used part of the file ends with the last entry (~300 bytes).
    int used = (int) CycleFileBytes.findStart(cycle, MARKER_MILLIS + 19) + 400;
    long seed = Long.getLong("journal.flip.seed", System.nanoTime());
    int rounds = Integer.getInteger("journal.flip.rounds", 40);
    Random random = new Random(seed);
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      for (int round = 0; round < rounds; round++) {
        int flips = 1 + random.nextInt(8);
        long[] at = new long[flips];
        int[] was = new int[flips];
        for (int i = 0; i < flips; i++) {
          at[i] = random.nextInt(used);
          f.seek(at[i]);
          was[i] = f.read();
          f.seek(at[i]);
          f.write(was[i] ^ (1 + random.nextInt(255)));
        }
        String where = "seed " + seed + " round " + round + " (-Djournal.flip.seed=" + seed + ")";
        Read read = read(dir, where);
        assertThat(read.ids()).as(where).isSubsetOf(idsFrom(0, 20));
        assertThat(read.ids())
            .as(where)
            .isSortedAccordingTo(
                Comparator.comparingInt((String id) -> Integer.parseInt(id.substring(4))));
        if (read.failure != null) {
          assertThat(read.failure.getMessage()).as(where).contains(dir.toString());
        }
        for (int i = flips - 1; i >= 0; i--) {
          f.seek(at[i]);
          f.write(was[i]);
        }
      }
    }
    assertThat(read(dir).ids()).isEqualTo(idsFrom(0, 20));
  }

  private static List<String> idsFrom(int first, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      ids.add("req-" + i);
    }
    return ids;
  }

  private record Read(List<JournalEntry> entries, List<String> damage, JournalException failure) {
    List<String> ids() {
      return entries.stream().map(JournalEntry::requestId).toList();
    }
  }

  private static Read read(Path dir) {
    return read(dir, dir.toString());
  }

  /** Opens and reads {@code dir} within {@link #BOUND}; only a JournalException may come out. */
  private static Read read(Path dir, String where) {
    return assertTimeoutPreemptively(
        BOUND,
        () -> {
          List<JournalEntry> entries = new ArrayList<>();
          List<String> damage = new ArrayList<>();
          try (JournalReader reader = JournalReader.open(dir, damage::add)) {
            reader.read(entries::add);
            assertThat(reader.damagedEntries()).isEqualTo(damage.size());
            return new Read(entries, damage, null);
          } catch (JournalException e) {
            return new Read(entries, damage, e);
          }
        },
        where);
  }

  /** Journals {@code count} entries from {@code first} on, then closes (the writer's shutdown). */
  private static void write(Path dir, int first, int count) throws JournalException {
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      JournalRecord r = new JournalRecord();
      for (int i = first; i < first + count; i++) {
        journal.offer(SampleRecords.reviews(r, i, MARKER_MILLIS + i));
      }
    }
  }
}
