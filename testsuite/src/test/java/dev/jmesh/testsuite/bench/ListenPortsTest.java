package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/lib/ports.py}, which gives {@code scripts/soak} and {@code scripts/bench/proxy}
 * the ports their processes listen on: never from the kernel's ephemeral range or the Java tests'
 * {@code FreePorts} range, never one in use, never the same twice. Its choices are made
 * deterministic where a test needs them to be by replacing its random pick.
 */
class ListenPortsTest {

  private static final String IMPORT =
      "import random, socket, sys\nsys.path.insert(0, 'scripts/lib')\nimport ports\n";

  @TempDir Path dir;

  @Test
  void portsComeFromBelowTheEphemeralAndTheJavaTestsRangesAndAreNeverRepeated() throws Exception {
    String out =
        python(
            "ps = [ports.listen_port() for _ in range(300)]\n"
                + "print('LOW', min(ps), 'HIGH', max(ps), 'DISTINCT', len(set(ps)),"
                + " 'EPHEMERAL', ports._ephemeral_start())\n");
    String[] f = out.trim().split("\\s+");
    int low = Integer.parseInt(f[1]);
    int high = Integer.parseInt(f[3]);
    assertThat(low).as(out).isGreaterThanOrEqualTo(10_000);
    assertThat(high).as(out).isLessThan(20_000).isLessThan(Integer.parseInt(f[7]));
    assertThat(Integer.parseInt(f[5])).as(out).isEqualTo(300);
  }

  @Test
  void aPortSomethingListensOnOrAlreadyHandedOutIsSkipped() throws Exception {
    String out =
        python(
            "busy = socket.socket()\n"
                + "busy.bind(('127.0.0.1', 0))\n"
                + "busy.listen()\n"
                + "free = ports.listen_port()\n"
                + "other = ports.listen_port()\n"
                // busy is listened on, free was handed out already: both are passed over.
                + "picks = iter([busy.getsockname()[1], free, other + 1])\n"
                + "random.randrange = lambda a, b: next(picks)\n"
                + "print('GOT', ports.listen_port(), 'WANT', other + 1)\n");
    String[] f = out.trim().split("\\s+");
    assertThat(f[1]).as(out).isEqualTo(f[3]);
  }

  @Test
  void aRangeTooSmallForListenersSaysWhatToRaise() throws Exception {
    Path log = dir.resolve("run.log");
    RepoScript.Run run =
        RepoScript.run(
            Duration.ofSeconds(60),
            log,
            "-c",
            IMPORT + "ports._ephemeral_start = lambda: 10500\nports.listen_port()\n");
    assertThat(run.exitCode()).as(run.log()).isNotZero();
    assertThat(run.log())
        .contains("the ephemeral port range starts at 10500")
        .contains("/proc/sys/net/ipv4/ip_local_port_range");
  }

  private String python(String code) throws Exception {
    Path log = dir.resolve("run.log");
    RepoScript.Run run = RepoScript.run(Duration.ofSeconds(60), log, "-c", IMPORT + code);
    assertThat(run.exitCode()).as(run.log()).isZero();
    return run.log().lines().filter(l -> l.startsWith("LOW") || l.startsWith("GOT")).findFirst()
        .orElseThrow(() -> new AssertionError("no result line in: " + run.log()));
  }
}
