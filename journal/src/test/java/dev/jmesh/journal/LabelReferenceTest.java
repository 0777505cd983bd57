package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format version 2's labels by reference ({@link EntryCodec}, {@link LabelReferences}), through the
 * real writer and reader: which entries carry their labels, that every entry reads back with its
 * own, and what a damaged or missing entry costs the entries that refer to it.
 */
class LabelReferenceTest {

  private static final long START = 1_790_000_000_000L;
  private static final int BACK_AT = 6; // version, checksum (4), kind: then the labels-back varint

  @TempDir Path tmp;

  @Test
  void moreLabelSetsInTurnThanTheWriterKeepsAllReadBackWithTheirOwnLabels() throws Exception {
    Path dir = tmp.resolve("journal");
    int sets = LabelReferences.KEPT + 4;
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 10 * sets; i++) {
        offer(journal, SampleRecords.reviews(r, i, START + i).upstreamHost(host(i % sets)));
      }
    }
    List<JournalEntry> entries = readAll(dir);
    assertThat(entries).hasSize(10 * sets);
    for (int i = 0; i < entries.size(); i++) {
      assertThat(entries.get(i).upstreamHost()).as("entry %d", i).isEqualTo(host(i % sets));
      assertThat(entries.get(i).requestId()).isEqualTo("req-" + i);
    }
    // Each set was pushed out before it came round again: every entry carries its labels.
    assertThat(labelsBack(dir)).containsOnly(0);
  }

  @Test
  void asManyLabelSetsInTurnAsTheWriterKeepsAreEachCarriedOnce() throws Exception {
    Path dir = tmp.resolve("journal");
    int sets = LabelReferences.KEPT;
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 3 * sets; i++) {
        offer(journal, SampleRecords.reviews(r, i, START + i).upstreamHost(host(i % sets)));
      }
    }
    List<Integer> back = labelsBack(dir);
    assertThat(back.subList(0, sets)).containsOnly(0);
    assertThat(back.subList(sets, 2 * sets)).containsOnly(sets);
    assertThat(back.subList(2 * sets, 3 * sets)).containsOnly(2 * sets);
    assertThat(readAll(dir).get(3 * sets - 1).upstreamHost()).isEqualTo(host(sets - 1));
  }

  @Test
  void aFewLabelSetsInTurnAreEachCarriedOnceAndReferredTo() throws Exception {
    Path dir = tmp.resolve("journal");
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 30; i++) {
        offer(journal, SampleRecords.reviews(r, i, START + i).upstreamHost(host(i % 3)));
      }
    }
    List<Integer> back = labelsBack(dir);
    assertThat(back.subList(0, 3)).containsExactly(0, 0, 0);
    assertThat(back.subList(3, 30)).containsOnly(3, 6, 9, 12, 15, 18, 21, 24, 27);
    assertThat(readAll(dir))
        .extracting(JournalEntry::upstreamHost)
        .startsWith(host(0), host(1), host(2), host(0));
  }

  @Test
  void labelsAreCarriedAgainOnceTheyAreMaxDistanceBack() throws Exception {
    Path dir = tmp.resolve("journal");
    int period = LabelReferences.MAX_DISTANCE + 1; // a reference reaches MAX_DISTANCE back
    int count = 2 * period + 10;
    writeReviews(dir, count);
    List<Integer> back = labelsBack(dir);
    for (int i = 0; i < count; i++) {
      assertThat(back.get(i)).as("entry %d", i).isEqualTo(i % period);
    }
    assertThat(readAll(dir)).hasSize(count);
  }

  @Test
  void aDamagedEntryCostsOnlyTheEntriesThatReferToIt() throws Exception {
    Path dir = tmp.resolve("journal");
    int cost = LabelReferences.MAX_DISTANCE + 1; // entry 0, and the 256 after it that refer to it
    int count = cost + 40;
    writeReviews(dir, count);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.find(cycle, "sa/reviews"); // in entry 0's labels
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.seek(at);
      f.write('R');
    }
    List<String> damage = new ArrayList<>();
    List<JournalEntry> entries = new ArrayList<>();
    try (JournalReader reader = JournalReader.open(dir, damage::add)) {
      reader.read(entries::add);
      assertThat(reader.damagedEntries()).isEqualTo(cost);
    }
    assertThat(entries).hasSize(40);
    assertThat(entries.get(0).requestId()).isEqualTo("req-" + cost);
    assertThat(entries.get(0).destinationPrincipal())
        .isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(damage.get(0)).contains("checksum does not match");
    assertThat(damage.get(1))
        .contains("its labels are those of entry 0x")
        .contains("which was not read");
  }

  @Test
  void eachCycleFileCarriesItsOwnLabelsAndReadsAlone() throws Exception {
    Path dir = tmp.resolve("journal");
    long hour = 3_600_000L;
    long start = START / hour * hour + 60_000;
    SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(start));
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build(), clock)) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 6; i++) {
        if (i == 3) {
          long expected = 3;
          await().atMost(Duration.ofSeconds(10)).until(() -> journal.appended() == expected);
          clock.advanceMillis(hour);
        }
        offer(journal, SampleRecords.reviews(r, i, clock.currentTimeMillis()));
      }
    }
    List<Path> cycles = JournalFiles.cycleFiles(dir);
    assertThat(cycles).hasSize(2);
    assertThat(labelsBack(dir)).containsExactly(0, 1, 2, 0, 1, 2);
    Files.delete(cycles.get(0));
    List<JournalEntry> entries = readAll(dir);
    assertThat(entries)
        .extracting(JournalEntry::requestId)
        .containsExactly("req-3", "req-4", "req-5");
    assertThat(entries).extracting(JournalEntry::sourceWorkload).containsOnly("productpage-v1");
  }

  @Test
  void aJournalAnOlderVersionWroteReadsOnIntoTheNewerEntries() throws Exception {
    Path dir = tmp.resolve("journal");
    List<String> v1 = EntryFormatTest.golden("v1");
    try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).build();
        ExcerptAppender appender = queue.createAppender()) {
      for (String hex : v1) {
        try (DocumentContext document = appender.writingDocument()) {
          document.wire().bytes().write(HexFormat.of().parseHex(hex));
        }
      }
    }
    writeReviews(dir, 3);
    List<JournalEntry> entries = readAll(dir);
    assertThat(entries)
        .extracting(JournalEntry::formatVersion)
        .containsExactly(1, 1, 1, 1, 1, 2, 2, 2);
    assertThat(entries.subList(5, 8))
        .extracting(JournalEntry::requestId)
        .containsExactly("req-0", "req-1", "req-2");
    assertThat(entries.get(7).destinationWorkload()).isEqualTo("reviews-v2");
  }

  /** Endpoint addresses of more than one length, as a real service's pods have. */
  private static String host(int n) {
    return "10.0." + (n / 200) + "." + (n % 200 + 1) + ":9080";
  }

  private static void writeReviews(Path dir, int count) throws Exception {
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < count; i++) {
        offer(journal, SampleRecords.reviews(r, i, START + i));
      }
    }
  }

  private static void offer(Journal journal, JournalRecord r) throws InterruptedException {
    while (!journal.offer(r)) {
      Thread.sleep(1);
    }
  }

  /** Each entry's labels-back as written: one varint byte under 128, else two. */
  private static List<Integer> labelsBack(Path dir) {
    List<Integer> back = new ArrayList<>();
    for (byte[] entry : EntryFormatTest.rawEntries(dir)) {
      assertThat(entry[0]).isEqualTo((byte) EntryCodec.FORMAT_VERSION);
      int b = entry[BACK_AT] & 0xFF;
      back.add(b < 0x80 ? b : (b & 0x7F) | (entry[BACK_AT + 1] & 0xFF) << 7);
    }
    return back;
  }

  private static List<JournalEntry> readAll(Path dir) throws JournalException {
    List<JournalEntry> entries = new ArrayList<>();
    try (JournalReader reader = JournalReader.open(dir)) {
      reader.read(entries::add);
      assertThat(reader.damagedEntries()).isZero();
    }
    return entries;
  }
}
