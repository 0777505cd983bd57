package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench/proxy}'s order of measurement within a round: each mesh-proxy row next to
 * the haproxy row its ratio is taken against, so that the two share the machine's minute, and the
 * order reversed every other round, so that neither of them always goes first. No proxy is
 * started: {@code BenchSmokeTest} runs the script whole, and this checks the order it measures in.
 */
class ProxyRowOrderTest {

  @TempDir Path dir;

  /** The rows of a full run, in the order the script builds them (every haproxy row first). */
  private static final String ROWS =
      "['direct', 'direct h2c', 'haproxy', 'haproxy-log', 'haproxy h2c', 'haproxy h2 tls',"
          + " 'haproxy-mtls', 'haproxy-mtls h2c', 'nginx', 'nginx h2c', 'nginx h2 tls',"
          + " 'nginx-mtls', 'nginx-mtls h2c', 'mesh-proxy', 'mesh-proxy h2c', 'mesh-proxy-mtls',"
          + " 'mesh-proxy-mtls h2c']";

  @Test
  void everyComparedPairIsMeasuredSideBySide() throws Exception {
    List<List<String>> compared = compared();
    assertThat(compared).hasSize(5);
    for (int round = 0; round < 2; round++) {
      List<String> order = order(ROWS, round);
      assertThat(order).as("round %d measures every row once", round).hasSize(17);
      for (List<String> pair : compared) {
        int apart = Math.abs(order.indexOf(pair.get(0)) - order.indexOf(pair.get(1)));
        assertThat(apart).as("%s and %s in round %d: %s", pair.get(0), pair.get(1), round, order)
            .isEqualTo(1);
      }
    }
  }

  @Test
  void everyOtherRoundRunsBackwards() throws Exception {
    List<String> first = order(ROWS, 0);
    List<String> second = order(ROWS, 1);
    List<String> third = order(ROWS, 2);

    assertThat(first.indexOf("haproxy")).isLessThan(first.indexOf("mesh-proxy"));
    assertThat(second.indexOf("haproxy")).isGreaterThan(second.indexOf("mesh-proxy"));
    assertThat(second).containsExactlyElementsOf(reversed(first));
    assertThat(third).containsExactlyElementsOf(first);
  }

  @Test
  void aRowTheOrderDoesNotNameIsStillMeasured() throws Exception {
    // A row added to the script and not to MEASURE_ORDER: measured last, not dropped.
    List<String> order = order("['new row', 'haproxy', 'mesh-proxy']", 0);

    assertThat(order).containsExactly("haproxy", "mesh-proxy", "new row");
  }

  private static List<String> reversed(List<String> list) {
    List<String> copy = new ArrayList<>(list);
    Collections.reverse(copy);
    return copy;
  }

  private List<String> order(String rows, int round) throws Exception {
    return List.of(
        evaluate("'|'.join(m.measure_order(" + rows + ", " + round + "))", "order-" + round)
            .split("\\|"));
  }

  /** The script's own pairs, as {@code "mesh-row|haproxy-row"}. */
  private List<List<String>> compared() throws Exception {
    String pairs = evaluate("';'.join(a + '|' + b for a, b in m.COMPARED)", "compared");
    return Arrays.stream(pairs.split(";")).map(pair -> List.of(pair.split("\\|"))).toList();
  }

  /** {@code expression}'s value, {@code m} being the script loaded as a module. */
  private String evaluate(String expression, String name) throws Exception {
    String out =
        RepoScript.evaluate(
            dir.resolve(name + ".txt"),
            "scripts/bench/proxy",
            "print('VALUE=' + " + expression + ")\n");
    String line =
        out.lines()
            .filter(l -> l.startsWith("VALUE="))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no VALUE line in " + out));
    return line.substring("VALUE=".length());
  }
}
