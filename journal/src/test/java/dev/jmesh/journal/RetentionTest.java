package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {

  private static final long HOUR = 3_600_000L;
  private static final long START = 1_790_000_000_000L / HOUR * HOUR + 60_000;

  @TempDir Path tmp;

  @Test
  void rollingHourlyKeepsOnlyTheNewestCycles() throws Exception {
    Path dir = tmp.resolve("journal");
    List<Path> files = journalFiveHours(dir, JournalSettings.builder(dir).retainCycles(2).build());
    assertThat(files).hasSize(2);
    // The two newest hours, one entry each, are still readable after the older files went.
    List<JournalEntry> left = JournalRoundTripTest.readAll(dir);
    assertThat(left).extracting(JournalEntry::requestId).containsExactly("req-3", "req-4");
    try (JournalReader reader = JournalReader.open(dir)) {
      assertThat(reader.count()).isEqualTo(2);
    }
  }

  @Test
  void aByteLimitDeletesOldCyclesButNeverTheCurrentOne() throws Exception {
    Path dir = tmp.resolve("journal");
    List<Path> files = journalFiveHours(dir, JournalSettings.builder(dir).retainBytes(1).build());
    assertThat(files).hasSize(1);
    assertThat(JournalRoundTripTest.readAll(dir))
        .extracting(JournalEntry::requestId)
        .containsExactly("req-4");
  }

  @Test
  void readingFromATimeSkipsTheCyclesBeforeIt() throws Exception {
    Path dir = tmp.resolve("journal");
    journalFiveHours(dir, JournalSettings.builder(dir).build());
    long hourThree = START + 3 * HOUR;
    List<JournalEntry> read = new ArrayList<>();
    try (JournalReader reader = JournalReader.open(dir)) {
      assertThat(reader.count(hourThree)).isEqualTo(3);
      reader.read(hourThree, read::add);
    }
    // Hours 3 and 4, and hour 2 for a writer clock a little behind the data path's.
    assertThat(read).extracting(JournalEntry::requestId).containsExactly("req-2", "req-3", "req-4");
  }

  /** One entry an hour for five hours on Chronicle's clock; returns the cycle files left. */
  private static List<Path> journalFiveHours(Path dir, JournalSettings settings) throws Exception {
    SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(START));
    try (Journal journal = Journal.open(settings, clock)) {
      JournalRecord r = new JournalRecord();
      for (int hour = 0; hour < 5; hour++) {
        journal.offer(SampleRecords.reviews(r, hour, clock.currentTimeMillis()));
        long expected = hour + 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.appended() == expected);
        clock.advanceMillis(HOUR);
      }
    }
    return JournalFiles.cycleFiles(dir);
  }
}
