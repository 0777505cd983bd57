package dev.jmesh.testsuite.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.MeshPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every command README.md and docs/*.md show is run by {@code scripts/check-docs} or named with the
 * test that runs it, so CI fails when a doc shows a flag, subcommand or setting that is gone.
 */
class CheckDocsTest {

  @Test
  void everyCommandInTheDocsIsExercised() throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path root = MeshPaths.root();
    Path output = Files.createTempFile("check-docs", ".log");
    try {
      Process process =
          new ProcessBuilder("python3", "scripts/check-docs")
              .directory(root.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      // About 15 s on an idle machine: a dozen --help runs of the jars and two sandboxed commands.
      boolean finished = process.waitFor(5, TimeUnit.MINUTES);
      if (!finished) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String log = Files.readString(output, StandardCharsets.UTF_8);
      assertThat(finished).as("scripts/check-docs finished within 5 minutes:%n%s", log).isTrue();
      assertThat(process.exitValue()).as("scripts/check-docs:%n%s", log).isZero();
      assertThat(log).contains("0 problem(s)");
    } finally {
      Files.deleteIfExists(output);
      System.out.printf("[suite] CheckDocsTest took %.1f s%n", (System.nanoTime() - started) / 1e9);
    }
  }
}
