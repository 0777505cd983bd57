package dev.jmesh.testsuite.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Every command README.md and docs/*.md show is run by {@code scripts/check-docs} or named with the
 * test that runs it, so CI fails when a doc shows a flag, subcommand or setting that is gone.
 */
class CheckDocsTest {

  @Test
  void everyCommandInTheDocsIsExercised() throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path output = Files.createTempFile("check-docs", ".log");
    try {
      // About 15 s on an idle machine: a dozen --help runs of the jars and two sandboxed commands.
      RepoScript.Run run = RepoScript.run(Duration.ofMinutes(5), output, "scripts/check-docs");
      assertThat(run.finished())
          .as("scripts/check-docs finished within 5 minutes:%n%s", run.log())
          .isTrue();
      assertThat(run.exitCode()).as("scripts/check-docs:%n%s", run.log()).isZero();
      assertThat(run.log()).contains("0 problem(s)");
    } finally {
      Files.deleteIfExists(output);
      System.out.printf("[suite] CheckDocsTest took %.1f s%n", (System.nanoTime() - started) / 1e9);
    }
  }
}
