package dev.jmesh.journal.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.journal.CycleFileBytes;
import dev.jmesh.journal.JournalException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh replay} on damaged journals: a warning or one error line, never a stack trace. */
class DamagedJournalReplayTest {

  @TempDir Path tmp;

  @Test
  void aDamagedEntryIsSkippedWithAWarningAndTheRestIsPrinted() throws Exception {
    Path journal = tmp.resolve("journal");
    RecordedJournal.write(journal, 1_790_000_000_000L);
    Path cycle = cycleFile(journal);
    // The 20th entry's path: "/reviews/19" appears once; a byte flipped there breaks its checksum.
    long at = CycleFileBytes.find(cycle, "/reviews/19");
    try (RandomAccessFile f = new RandomAccessFile(cycle.toFile(), "rw")) {
      f.seek(at + 1);
      f.write('X');
    }
    ReplayRun run = ReplayRun.of("print", "--journal", journal.toString());
    assertThat(run.exit()).isEqualTo(ReplayCommand.OK);
    assertThat(run.lines()).isEqualTo(RecordedJournal.TOTAL - 1);
    assertThat(run.err().lines().toList())
        .singleElement()
        .asString()
        .startsWith("mesh replay print: warning: skipped the damaged entry 0x")
        .contains(cycle.getFileName().toString())
        .contains("checksum does not match");
  }

  @Test
  void aCycleFileOfGarbageIsOneErrorLine() throws Exception {
    Path journal = tmp.resolve("journal");
    RecordedJournal.write(journal, 1_790_000_000_000L);
    Path cycle = cycleFile(journal);
    byte[] garbage = new byte[(int) Math.min(Files.size(cycle), 1 << 20)];
    new Random(7).nextBytes(garbage);
    Files.write(cycle, garbage);
    for (String sub : List.of("print", "summary")) {
      ReplayRun run = ReplayRun.of(sub, "--journal", journal.toString(), "--no-progress");
      assertThat(run.exit()).as(sub).isEqualTo(ReplayCommand.JOURNAL_ERROR);
      assertThat(run.err().lines().toList())
          .as(sub)
          .singleElement()
          .asString()
          .startsWith("mesh replay " + sub + ": ")
          .contains(journal.toString())
          .doesNotContain("a bug");
    }
  }

  private static Path cycleFile(Path journal) throws JournalException {
    try (var files = Files.list(journal)) {
      return files.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
    } catch (java.io.IOException e) {
      throw new JournalException(e.toString(), e);
    }
  }
}
