package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshedJvm;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A data path that throws in every hook never breaks the application's own calls. */
class HookFailureTest {

  private static final Pattern WARN =
      Pattern.compile("^\\[jmesh\\] WARN the data path failed in the (\\w+) hook");

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private static MeshedJvm app;

  @BeforeAll
  static void startApp() {
    app =
        jvms.start(
            MeshedJvm.java("socket-app-failing-hooks")
                .testApp("socket-app")
                .withAgent()
                .systemProperty("jmesh.internal.failHooks", "all"));
  }

  @Test
  void everyRoundOfEchoesStillWorksAndEachHookWarnsOnce() {
    app.awaitOutput("RESULT (ok|fail) round=1", Timeouts.STARTUP);
    app.send("echo");
    app.awaitOutput("RESULT (ok|fail) round=2", Timeouts.WORK);
    app.send("echo");
    app.awaitOutput("RESULT (ok|fail) round=3", Timeouts.WORK);
    assertThat(app.linesMatching("^RESULT "))
        .containsExactly(
            "RESULT ok round=1 echoes=4", "RESULT ok round=2 echoes=4", "RESULT ok round=3 echoes=4");

    // 12 connects and 12 accepts went through failing hooks: one line per hook, not per call.
    Map<String, Long> warningsPerHook =
        app.linesMatching(WARN.pattern()).stream()
            .map(WARN::matcher)
            .filter(Matcher::find)
            .collect(Collectors.groupingBy(m -> m.group(1), Collectors.counting()));
    assertThat(warningsPerHook).containsKeys("connect", "bind", "accept");
    assertThat(warningsPerHook).allSatisfy((hook, count) -> assertThat(count).as(hook).isEqualTo(1));
  }

  @Test
  void failuresAreCounted() {
    app.awaitOutput("RESULT (ok|fail) round=1", Timeouts.STARTUP);
    double failures =
        app.awaitMetric("jmesh_agent_hook_failures_total", n -> n > 0, Timeouts.METRIC);
    assertThat(failures).isPositive();
  }
}
