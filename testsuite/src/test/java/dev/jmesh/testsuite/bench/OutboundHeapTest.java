package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench/outbound}'s load JVMs run on one fixed heap, with and without the agent:
 * with the JVM's own sizing, the agent's classes start a concurrent cycle whose remark shrinks the
 * heap, and the meshed load generator collected 2.6 times as often per request for that alone. The
 * command lines are built here, not run: {@code BenchSmokeTest} runs the script whole.
 */
class OutboundHeapTest {

  @TempDir Path dir;

  /** Each configuration's load command: whether it has the agent, and its heap flags. */
  private static final String COMMANDS =
      String.join(
          "\n",
          "args = m.arguments().parse_args(ARGS)",
          "for config in ('none', 'passthrough', 'direct', 'direct-mtls', 'none@b'):",
          "    cmd = m.load_command(args, 'okhttp', config, 'http://reviews:9080/')",
          "    heap = [f for f in cmd if f.startswith('-Xm')]",
          "    print(config, 'agent' if any(f.startswith('-javaagent:') for f in cmd) else '-',",
          "          ' '.join(heap) or 'no-heap-flags')",
          "");

  @Test
  void everyConfigurationGetsTheSameFixedHeapByDefault() throws Exception {
    String out = commands("[]");

    assertThat(out)
        .contains("none - -Xms512m -Xmx512m")
        .contains("passthrough agent -Xms512m -Xmx512m")
        .contains("direct agent -Xms512m -Xmx512m")
        .contains("direct-mtls agent -Xms512m -Xmx512m")
        .contains("none@b - -Xms512m -Xmx512m");
  }

  @Test
  void ergonomicLeavesTheHeapToTheJvm() throws Exception {
    String out = commands("['--heap', 'ergonomic']");

    assertThat(out).contains("none - no-heap-flags").contains("direct agent no-heap-flags");
  }

  @Test
  void aSizeIsPassedAsGiven() throws Exception {
    assertThat(commands("['--heap', '2g']")).contains("direct agent -Xms2g -Xmx2g");
  }

  @Test
  void aMalformedOrZeroSizeIsRefusedWithTheFlagNamed() throws Exception {
    for (String bad : new String[] {"512x", "0"}) {
      RepoScript.Run run =
          RepoScript.run(
              Duration.ofSeconds(60),
              dir.resolve("bad-" + bad + ".txt"),
              "scripts/bench/outbound",
              "--no-build",
              "--heap",
              bad);

      assertThat(run.exitCode()).as(run.log()).isEqualTo(2);
      assertThat(run.log()).contains("argument --heap: " + bad + ": give a size such as 512m");
    }
  }

  private String commands(String arguments) throws Exception {
    return RepoScript.evaluate(
        dir.resolve("out.txt"), "scripts/bench/outbound", COMMANDS.replace("ARGS", arguments));
  }
}
