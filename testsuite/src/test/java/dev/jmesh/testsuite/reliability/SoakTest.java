package dev.jmesh.testsuite.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/soak --minutes 0.5 --config-every 10} on the jars this build made: the soak of
 * issue 12 (steady traffic through the agent and mesh-proxy with STRICT mutual TLS, config changes,
 * certificate rotation, flat file descriptors and threads) in its half-minute form, so the script
 * cannot rot between the 20-minute runs. The half-minute run rotates certificates every 15 s and
 * changes the config at least once; heap and RSS slopes are reported but judged only in runs of 10
 * minutes or more. (It ran a minute until session 24; half of it keeps every check and gives CI
 * back 30 s.)
 */
class SoakTest {

  /** CI's budget for this class; the bound below is what a loaded machine may take beyond it. */
  private static final int BUDGET_SECONDS = 60;

  private static final int BOUND_MINUTES = 3;

  @Test
  void oneMinuteSoakHasNoFailedRequestAndEveryChangeAndRotationApplied()
      throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path out = Files.createTempDirectory("jmesh-soak-test");
    Path output = out.resolve("soak-output.log");
    try {
      RepoScript.Run run =
          RepoScript.run(
              Duration.ofMinutes(BOUND_MINUTES),
              output,
              "scripts/soak",
              "--minutes",
              "0.5",
              "--config-every",
              "10",
              "--no-build",
              "--out",
              out.toString());
      assertThat(run.finished())
          .as("%s finished within %d minutes:%n%s", run.command(), BOUND_MINUTES, run.log())
          .isTrue();
      Path reportFile = out.resolve("report.md");
      String report = Files.exists(reportFile) ? Files.readString(reportFile) : "(no report)";
      assertThat(run.exitCode())
          .as("%s exit code:%n%s%n%s", run.command(), run.log(), report)
          .isZero();
      assertThat(report).startsWith("# jmesh soak: PASSED");
      assertThat(report).contains("- ok   failed requests: 0 (must be 0)");
      Matcher changes =
          Pattern.compile("config changes applied on both paths within \\d+ s: (\\d+) of (\\d+)")
              .matcher(report);
      assertThat(changes.find()).as(report).isTrue();
      assertThat(Integer.parseInt(changes.group(1)))
          .as("config changes applied")
          .isPositive()
          .isEqualTo(Integer.parseInt(changes.group(2)));
      for (String workload : List.of("echo", "legacy", "client")) {
        Matcher rotations =
            Pattern.compile(
                    "certificate rotations of " + workload + " in the window: (\\d+) \\(at least")
                .matcher(report);
        assertThat(rotations.find()).as("%s's rotations in:%n%s", workload, report).isTrue();
        assertThat(Integer.parseInt(rotations.group(1))).as(workload + " rotations").isPositive();
      }
      // Requests went through both paths, and every process was sampled to the end.
      assertThat(report).containsPattern("\\| requests \\| [1-9]\\d* sent, [1-9]\\d* succeeded");
      String samples = Files.readString(out.resolve("samples.csv"));
      for (String p : List.of("control-plane", "echo", "legacy", "client", "legacy-app")) {
        assertThat(samples).as("samples of " + p).contains("," + p + ",");
      }
    } finally {
      try (Stream<Path> files = Files.walk(out)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      System.out.printf(
          "[suite] SoakTest took %.1f s (budget %d s)%n",
          (System.nanoTime() - started) / 1e9, BUDGET_SECONDS);
    }
  }
}
