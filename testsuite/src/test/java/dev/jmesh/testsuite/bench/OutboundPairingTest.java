package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench/outbound}'s summary on results written here by hand: with {@code
 * --jvm-options-b} each {@code @b} row is paired with {@code none@b}'s window of the same round,
 * not with {@code none}'s, since the flags change the JVM without the agent too; latencies are
 * paired per round as req/s are. The load JVMs are not started: {@code BenchSmokeTest} runs the
 * script whole, and this checks the pairing's arithmetic.
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

  /**
   * Three rounds at a fixed rate whose minute moves {@code none}'s p50 from 100 to 900 us; the
   * agent adds 10 us in two rounds and 500 in the first. Its column's median is 100 us above
   * {@code none}'s, the drift's doing; paired per round, the agent adds 10.
   */
  private static final String DRIFTING_LATENCY =
      String.join(
          "\n",
          "import types",
          "def window(rnd, p50):",
          "    return {'round': rnd, 'rps': 1000, 'p50us': p50, 'p90us': 2 * p50, 'p99us': 5e3,",
          "            'cpuus': 500.0, 'clientcpuus': 400.0, 'idlepct': 60.0, 'othercpuus': 1.0}",
          "p50 = {'none': [100, 500, 900], 'direct': [600, 510, 910]}",
          "results = {('jdk-httpclient', c): [window(i + 1, v) for i, v in enumerate(vs)]",
          "           for c, vs in p50.items()}",
          "args = types.SimpleNamespace(rounds=3, seconds=5, connections=16, rate=1000,",
          "                             clients=['jdk-httpclient'], jvm_options_b=None)",
          "m.report(args, results, list(p50))",
          "");

  @Test
  void latencyGoalsArePairedPerRoundAsThroughputIs() throws Exception {
    String out =
        RepoScript.evaluate(dir.resolve("out.txt"), "scripts/bench/outbound", DRIFTING_LATENCY);

    assertThat(out)
        .contains("direct: p50 over none's in the same round, median +10.0 us")
        .contains("direct: p90 over none's in the same round, median +20.0 us")
        .contains("direct plaintext adds +10.0 us at p50 (paired; goal < 20): met")
        .contains("direct adds +20.0 us at p90 (paired;");
  }

  @Test
  void oneRoundHasNothingToPairSoTheGoalsUseTheMedians() throws Exception {
    String out =
        RepoScript.evaluate(
            dir.resolve("out.txt"),
            "scripts/bench/outbound",
            DRIFTING_LATENCY
                .replace("[100, 500, 900]", "[100]")
                .replace("[600, 510, 910]", "[600]")
                .replace("rounds=3", "rounds=1"));

    assertThat(out)
        .doesNotContain("over none's in the same round")
        .contains("direct plaintext adds +500.0 us at p50 (medians; goal < 20): missed");
  }

  private String summary(String flags) throws Exception {
    return RepoScript.evaluate(
        dir.resolve("out.txt"), "scripts/bench/outbound", SUMMARY.replace("FLAGS", flags));
  }
}
