package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A separate JVM is the point here: only a real {@code kill -9} shows what reaches the disk. */
class WriterCrashTest {

  private static final long AT_LEAST = 3000;

  @TempDir Path tmp;

  private Process writer;

  @AfterEach
  void killWriter() throws Exception {
    if (writer != null && writer.isAlive()) {
      writer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void entriesSurviveKillMinus9UpToTheLastCompletedAppend() throws Exception {
    Path dir = tmp.resolve("journal");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    for (String flag : ChronicleAccess.jvmFlags().split(" ")) {
      command.add(flag);
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(JournalWriterMain.class.getName());
    command.add(dir.toString());
    command.add("500");
    writer = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();

    long lastAppended = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (lastAppended < AT_LEAST && System.nanoTime() < deadline) {
        line = out.readLine();
        if (line == null) {
          break;
        }
        if (line.startsWith("appended ")) {
          lastAppended = Long.parseLong(line.substring("appended ".length()));
        }
      }
      assertThat(lastAppended)
          .as("the writer JVM reported appends")
          .isGreaterThanOrEqualTo(AT_LEAST);
      writer.destroyForcibly();
      assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    List<JournalEntry> entries = JournalRoundTripTest.readAll(dir);
    assertThat((long) entries.size()).isGreaterThanOrEqualTo(lastAppended);
    // Nothing lost in between and nothing half-written handed out: req-0, req-1, ... in order.
    for (int i = 0; i < entries.size(); i++) {
      assertThat(entries.get(i).requestId()).isEqualTo("req-" + i);
      assertThat(entries.get(i).destinationWorkload()).isEqualTo("reviews-v2");
    }
  }
}
