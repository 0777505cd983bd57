package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jmesh.testsuite.RepoScript;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/bench/sendgaps.py}'s analysis (what {@code GAPS=1 scripts/bench/proxy-ab} prints)
 * on a recording written here by hand: a classic pcap of the proxy's sends and a {@code perf sched
 * timehist} text, in the formats tcpdump and perf write. tcpdump and perf themselves are not run:
 * the recording half needs root, load and seconds, and this checks the arithmetic that charges a
 * stall to the tasks on the proxy's core.
 */
class SendGapsTest {

  /** Wall clock minus monotonic clock, as {@code Recording} writes it to PREFIX.offset. */
  private static final double OFFSET = 1000.0;

  @TempDir Path dir;

  @Test
  void aStallIsChargedToTheTasksOnTheServerCoreInsideIt() throws Exception {
    // Sends every 100 µs, then nothing for 3 ms (a stall), then again: monotonic 100.0000 on.
    Path pcap = pcap(100.0000, 100.0001, 100.0002, 100.0032, 100.0033);
    Path timehist = dir.resolve("timehist.txt");
    Files.writeString(
        timehist,
        String.join(
            "\n",
            "           time    cpu  task name                       wait time  sch delay   run time",
            "                        [tid/pid]                          (msec)     (msec)     (msec)",
            "--------------- ------  ------------------------------  ---------  ---------  ---------",
            "     100.000500 [0001]  jmesh-engine-1[11/10]               0.000      0.000      0.500",
            // The load generator's core: never charged, whatever runs there.
            "     100.001000 [0000]  wrk[20/20]                          0.000      0.000      3.000",
            "     100.003000 [0001]  mesh-journal-wr[12/10]              0.000      0.000      2.500",
            "     100.003400 [0001]  jmesh-engine-1[11/10]               0.000      0.000      0.400",
            ""));

    String out = run(pcap.toString(), timehist.toString(), Double.toString(OFFSET), "1");

    assertThat(number(out, "gaps")).as(out).isEqualTo(1.0);
    assertThat(number(out, "gap_ms")).as(out).isCloseTo(3.0, within(0.01));
    // The stall (100.0002 to 100.0032): the writer's 2.5 ms, the engine's 0.3 before and 0.2 after.
    assertThat(number(out, "mesh-journal-wr")).as(out).isCloseTo(2.5, within(0.01));
    assertThat(number(out, "jmesh-engine-1")).as(out).isCloseTo(0.5, within(0.01));
    assertThat(out).doesNotContain("wrk");
    assertThat(out).contains("\"gaps_led_by\": {\"mesh-journal-wr\": 1}");
  }

  @Test
  void aMissingRecordingIsNamed() throws Exception {
    Path timehist = Files.writeString(dir.resolve("timehist.txt"), "");
    Path log = dir.resolve("run.log");
    RepoScript.Run run =
        RepoScript.run(
            Duration.ofSeconds(60),
            log,
            "scripts/bench/sendgaps.py",
            dir.resolve("absent.pcap").toString(),
            timehist.toString(),
            "0",
            "1");
    assertThat(run.exitCode()).as(run.log()).isNotZero();
    assertThat(run.log()).contains("absent.pcap is not a file");
  }

  private String run(String... args) throws IOException, InterruptedException {
    Path log = dir.resolve("run.log");
    RepoScript.Run run =
        RepoScript.run(Duration.ofSeconds(60), log, "scripts/bench/sendgaps.py", args);
    assertThat(run.finished()).as(run.log()).isTrue();
    assertThat(run.exitCode()).as(run.log()).isZero();
    return run.log();
  }

  private static double number(String json, String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": ([0-9.eE+-]+)").matcher(json);
    assertThat(m.find()).as("%s in %s", key, json).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** A classic little-endian pcap (microseconds) with one 60-byte packet at each wall-clock time. */
  private Path pcap(double... monotonicSeconds) throws IOException {
    ByteBuffer b =
        ByteBuffer.allocate(24 + monotonicSeconds.length * (16 + 60))
            .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
    b.putInt(96).putInt(1); // snap length, Ethernet
    for (double t : monotonicSeconds) {
      long micros = Math.round((t + OFFSET) * 1e6);
      b.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000)).putInt(60).putInt(60);
      b.put(new byte[60]);
    }
    Path file = dir.resolve("sends.pcap");
    Files.write(file, b.array());
    return file;
  }
}
