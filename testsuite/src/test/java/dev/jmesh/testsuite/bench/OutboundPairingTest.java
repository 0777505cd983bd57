package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench/outbound}'s summary on results written here by hand: with {@code
 * --jvm-options-b} each {@code @b} row is paired with {@code none@b}'s window of the same round,
 * not with {@code none}'s, since the flags change the JVM without the agent too. The load JVMs are
 * not started: {@code BenchSmokeTest} runs the script whole, and this checks the pairing's
 * arithmetic.
 */
class OutboundPairingTest {

  @TempDir Path dir;

  /**
   * Two rounds. Without the agent the second flags double the req/s; with them the agent keeps 90
   * % of it, without them 80 %. Paired with the wrong baseline, direct@b would read 1.8.
   */
  private static final String SUMMARY =
      String.join(
          "\n",
          "import types",
          "def window(rnd, rps):",
          "    return {'round': rnd, 'rps': rps, 'p50us': 100.0, 'p90us': 200.0, 'p99us': 300.0,",
          "            'cpuus': 1e6 / rps, 'clientcpuus': 1e6 / rps,",
          "            'idlepct': 4e3 / rps, 'othercpuus': 2e3 / rps}",
          "rps = {'none': 1000, 'direct': 800, 'none@b': 2000, 'direct@b': 1800}",
          "results = {('okhttp', c): [window(1, v), window(2, v)] for c, v in rps.items()}",
          "args = types.SimpleNamespace(rounds=2, seconds=3, connections=16, rate=None,",
          "                             clients=['okhttp'], jvm_options_b=FLAGS)",
          "m.report(args, results, list(rps))",
          "");

  @Test
  void aSecondFlagSetIsPairedWithItsOwnBaseline() throws Exception {
    String out = summary("'-XX:+UseTransparentHugePages'");

    assertThat(out)
        .contains("direct: req/s over none's in the same round, median 0.800")
        .contains("direct@b: req/s over none@b's in the same round, median 0.900")
        .contains("keeps 80.0% of the throughput")
        .contains("with -XX:+UseTransparentHugePages:")
        .contains("keeps 90.0% of the throughput");
  }

  @Test
  void withoutTheFlagsAnAtBRowIsASecondAgentPairedWithNone() throws Exception {
    // --agent-b's rows: the same JVM flags, so none is the baseline of both jars.
    String out = summary("None");

    assertThat(out)
        .contains("direct@b: req/s over none's in the same round, median 1.800")
        .doesNotContain("  with ");
    // Each configuration's own rounds: how idle the machine stayed, what else ran.
    assertThat(out)
        .contains("none: the machine 4.0% idle, other processes 2.0 us per request (medians)")
        .contains("direct: the machine 5.0% idle, other processes 2.5 us per request (medians)");
  }

  private String summary(String flags) throws Exception {
    return RepoScript.evaluate(
        dir.resolve("out.txt"), "scripts/bench/outbound", SUMMARY.replace("FLAGS", flags));
  }
}
