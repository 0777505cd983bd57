package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReaderErrorsTest {

  /** A start time whose bytes are easy to find in a cycle file. */
  private static final long MARKER_MILLIS = 0x0A1B2C3D4E5FL;

  @TempDir Path tmp;

  @Test
  void aMissingDirectorySaysSo() {
    Path dir = tmp.resolve("nope");
    assertThatThrownBy(() -> JournalReader.open(dir))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void aDirectoryWithoutCycleFilesIsNoJournal() throws Exception {
    Files.writeString(tmp.resolve("notes.txt"), "hello");
    assertThatThrownBy(() -> JournalReader.open(tmp))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("holds no journal")
        .hasMessageContaining("*.cq4");
  }

  @Test
  void aFileIsNotAJournalDirectory() throws Exception {
    Path file = Files.writeString(tmp.resolve("journal"), "x");
    assertThatThrownBy(() -> JournalReader.open(file))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("is a file");
  }

  @Test
  void anEntryWithAnUnknownFormatNamesItsCycleFile() throws Exception {
    Path dir = tmp.resolve("journal");
    writeThree(dir);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.findStart(cycle, MARKER_MILLIS + 1);
    // The version byte sits before the checksum (4 bytes), the kind byte and the labels-back byte:
    // this entry refers to the first one's labels, so its start follows.
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.seek(at - 7);
      f.write(0x7F);
    }
    List<JournalEntry> seen = new ArrayList<>();
    assertThatThrownBy(
            () -> {
              try (JournalReader reader = JournalReader.open(dir)) {
                reader.read(seen::add);
              }
            })
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("is corrupt")
        .hasMessageContaining(cycle.getFileName().toString())
        .hasMessageContaining("format version 127");
    assertThat(seen).hasSize(1);
  }

  @Test
  void aFlippedByteFailsTheEntrysChecksumAndTheEntryIsSkipped() throws Exception {
    Path dir = tmp.resolve("journal");
    writeThree(dir);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.findStart(cycle, MARKER_MILLIS + 1);
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.seek(at + 3);
      f.write(0x55);
    }
    List<JournalEntry> seen = new ArrayList<>();
    List<String> damage = new ArrayList<>();
    try (JournalReader reader = JournalReader.open(dir, damage::add)) {
      assertThat(reader.read(seen::add)).isEqualTo(2);
      assertThat(reader.damagedEntries()).isEqualTo(1);
    }
    assertThat(seen).extracting(JournalEntry::requestId).containsExactly("req-0", "req-2");
    assertThat(damage)
        .singleElement()
        .asString()
        .startsWith("skipped the damaged entry 0x")
        .contains("in cycle file " + cycle.getFileName())
        .contains("checksum does not match");
  }

  @Test
  void aJournalOfOnlyDamagedEntriesIsAnError() throws Exception {
    Path dir = tmp.resolve("journal");
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      journal.offer(SampleRecords.reviews(new JournalRecord(), 0, MARKER_MILLIS));
    }
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.seek(CycleFileBytes.findStart(cycle, MARKER_MILLIS) + 3);
      f.write(0x55);
    }
    assertThatThrownBy(
            () -> {
              try (JournalReader reader = JournalReader.open(dir)) {
                reader.read(entry -> true);
              }
            })
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("holds only damaged entries (1 skipped)");
  }

  @Test
  void aTruncatedCycleFileIsReadUpToTheCutNotHung() throws Exception {
    Path dir = tmp.resolve("journal");
    writeThree(dir);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.findStart(cycle, MARKER_MILLIS + 1);
    // Cut the file in the middle of the second entry.
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.setLength(at + 20);
    }
    List<JournalEntry> seen = new ArrayList<>();
    List<String> damage = new ArrayList<>();
    try (JournalReader reader = JournalReader.open(dir, damage::add)) {
      reader.read(seen::add);
    }
    // The entry before the cut is read; the one the cut went through is never handed out.
    assertThat(seen).extracting(JournalEntry::requestId).containsExactly("req-0");
    assertThat(damage).singleElement().asString().contains(cycle.getFileName().toString());
  }

  @Test
  void aDamagedCycleHeaderIsAJournalException() throws Exception {
    // Found by DamagedJournalTest's byte flips: Chronicle throws its checked
    // StreamCorruptedException ("The first message should be the header") undeclared.
    Path dir = tmp.resolve("journal");
    writeThree(dir);
    Path cycle = JournalFiles.cycleFiles(dir).get(0);
    long at = CycleFileBytes.find(cycle, "header");
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.seek(at + 1);
      f.write('m');
    }
    assertThatThrownBy(
            () -> {
              try (JournalReader reader = JournalReader.open(dir)) {
                reader.read(entry -> true);
              }
            })
        .isInstanceOf(JournalException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("The first message should be the header");
  }

  private static void writeThree(Path dir) throws JournalException {
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 3; i++) {
        journal.offer(SampleRecords.reviews(r, i, MARKER_MILLIS + i));
      }
    }
  }
}
