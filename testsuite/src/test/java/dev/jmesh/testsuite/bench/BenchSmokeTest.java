package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/bench/run --smoke} on the jars this build made: every section of the benchmark
 * suite runs for seconds and every configuration must produce numbers (their values are not judged:
 * CI's machine is shared and slow). It keeps the suite from rotting between full runs, as issue 11
 * asks, so a benchmark that breaks fails the build rather than the next full run.
 */
class BenchSmokeTest {

  @Test
  void everyBenchmarkConfigurationStillProducesNumbers() throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path work = Files.createTempDirectory("bench-smoke");
    Path output = work.resolve("run.log");
    try {
      // Under 2 minutes on 2 idle cores; the bound leaves room for a busy CI machine.
      RepoScript.Run run =
          RepoScript.run(
              Duration.ofMinutes(6),
              output,
              "scripts/bench/run",
              "--smoke",
              "--no-build",
              "--results",
              work.resolve("results.jsonl").toString());
      assertThat(run.finished())
          .as("%s finished within 6 minutes:%n%s", run.command(), run.log())
          .isTrue();
      assertThat(run.exitCode()).as("%s:%n%s", run.command(), run.log()).isZero();
      assertThat(run.log()).contains("smoke: every configuration produced numbers");
      assertThat(work.resolve("benchmarks.md"))
          .as("the report rendered from the smoke results")
          .exists();
    } finally {
      // The log is in the assertion messages; the results and report go with the directory.
      try (var paths = Files.walk(work)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      System.out.printf(
          "[suite] BenchSmokeTest took %.1f s%n", (System.nanoTime() - started) / 1e9);
    }
  }
}
