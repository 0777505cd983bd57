package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshedJvm;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The okhttp-3.9 module injects its interceptor into the application's class loader when the
 * OkHttp there is new enough, and stands aside, saying so once, when it is not.
 */
class HelperInjectionTest {

  private static final int REQUESTS = 7;
  private static final String MODULE = "okhttp-3.9";

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private static MeshedJvm okhttp4;
  private static MeshedJvm okhttp38;

  @BeforeAll
  static void startApps() {
    okhttp4 =
        jvms.start(
            MeshedJvm.java("okhttp4-app").testApp("okhttp4-app").args(String.valueOf(REQUESTS)).withAgent());
    okhttp38 =
        jvms.start(
            MeshedJvm.java("okhttp38-app").testApp("okhttp38-app").args(String.valueOf(REQUESTS)).withAgent());
  }

  @Test
  void okhttp4RequestsAreCountedByTheInjectedInterceptor() {
    okhttp4.awaitOutput("^READY port=\\d+ okhttp=4\\.", Timeouts.STARTUP);
    okhttp4.awaitOutput("^RESULT status=200 count=" + REQUESTS + "$", Timeouts.WORK);
    // No control plane: nothing is a mesh destination, so each request went out untouched.
    okhttp4.awaitMetric(
        "jmesh_agent_requests_total",
        n -> n == REQUESTS,
        Timeouts.METRIC,
        "library", "okhttp",
        "path", "passthrough");
    assertThat(okhttp4.httpGet("config_dump").body())
        .as("loading OkHttp's client builder made the agent build its library advice")
        .contains("\"libraryAdvice\": true");
    assertThat(okhttp4.metric("jmesh_agent_instrumentation_module_enabled", "module", MODULE))
        .isEqualTo(1.0);
  }

  @Test
  void okhttp38StillWorksAndTheModuleDisablesItselfOnce() {
    okhttp38.awaitOutput("^READY port=\\d+ okhttp=3\\.8\\.1$", Timeouts.STARTUP);
    okhttp38.awaitOutput("^RESULT status=200 count=" + REQUESTS + "$", Timeouts.WORK);
    okhttp38.awaitReady(Timeouts.STARTUP);

    okhttp38.awaitOutput("^\\[jmesh\\].*" + MODULE.replace(".", "\\."), Timeouts.METRIC);
    List<String> disabled =
        okhttp38.linesMatching("^\\[jmesh\\].*" + MODULE.replace(".", "\\.") + ".*(?i:disabl)");
    assertThat(disabled).as("[jmesh] lines disabling %s", MODULE).hasSize(1);
    assertThat(disabled.get(0)).as("names the missing reference").contains("okhttp3");

    assertThat(okhttp38.metric("jmesh_agent_instrumentation_module_enabled", "module", MODULE))
        .isEqualTo(0.0);
    assertThat(okhttp38.metrics().samples("jmesh_agent_requests_total", "library", "okhttp"))
        .allSatisfy(s -> assertThat(s.value()).isZero());
  }
}
