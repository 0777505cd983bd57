package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench/outbound}'s {@code passthrough} configuration: the client carries the agent
 * but calls an address it must leave alone, so it measures what the agent costs traffic it does
 * not mesh. The run is only that if the agent's own counters say every request passed through:
 * the server is also a mesh endpoint, which the agent would otherwise route by its address.
 */
class OutboundPassthroughTest {

  @TempDir Path dir;

  @Test
  void aPassthroughRunIsFlaggedUnlessTheAgentPassedEveryRequestThrough() throws Exception {
    String out =
        evaluate(
            String.join(
                "\n",
                "def counts(**paths):",
                "    line = 'jmesh_agent_requests_total{library=\"okhttp\",path=\"%s\"} %d\\n'",
                "    return ''.join(line % (p, n) for p, n in paths.items())",
                "print('passed:',"
                    + " m.path_warning('passthrough', 'okhttp', counts(passthrough=1000)))",
                "print('routed:', m.path_warning('passthrough', 'okhttp',"
                    + " counts(passthrough=10, direct=990)))",
                "print('direct:', m.path_warning('direct', 'okhttp', counts(passthrough=1000)))",
                ""));

    assertThat(out).contains("passed: None");
    assertThat(out).containsPattern("routed: .*says \\{.*'direct': 990");
    assertThat(out).containsPattern("direct: .*says \\{.*'passthrough': 1000");
  }

  private String evaluate(String code) throws Exception {
    return RepoScript.evaluate(dir.resolve("out.txt"), "scripts/bench/outbound", code);
  }
}
