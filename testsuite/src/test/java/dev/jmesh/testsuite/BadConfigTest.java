package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshedJvm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bad setting stops the JVM with exit code 78 and one line naming the setting and the value,
 * from whichever source it came; {@code startUnmeshedOnError} lets the application run unmeshed.
 */
class BadConfigTest {

  private static final int EX_CONFIG = 78;

  /** A bad value from one source; the setting may be named as the key or as its variable. */
  record BadSetting(String label, String settingPattern, String value, UnaryOperator<MeshedJvm.Builder> apply) {
    @Override
    public String toString() {
      return label;
    }
  }

  private static final List<BadSetting> CASES =
      List.of(
          new BadSetting(
              "MESH_ADMIN_PORT=abc", "(adminPort|MESH_ADMIN_PORT)", "abc",
              b -> b.env("MESH_ADMIN_PORT", "abc")),
          new BadSetting(
              "MESH_LABELS=novalue", "(labels|MESH_LABELS)", "novalue",
              b -> b.env("MESH_LABELS", "novalue")),
          new BadSetting(
              "MESH_EXCLUDE_OUTBOUND_IP_RANGES=10.0.0.0/99",
              "(excludeOutboundIPRanges|MESH_EXCLUDE_OUTBOUND_IP_RANGES)", "10.0.0.0/99",
              b -> b.env("MESH_EXCLUDE_OUTBOUND_IP_RANGES", "10.0.0.0/99")),
          new BadSetting(
              "-Djmesh.adminPort=abc", "(adminPort|jmesh\\.adminPort)", "abc",
              b -> b.systemProperty("jmesh.adminPort", "abc")),
          new BadSetting(
              "agent argument metricsPort=70000", "metricsPort", "70000",
              b -> b.agentArg("metricsPort", "70000")),
          new BadSetting(
              "agent argument servcie=x", "-javaagent argument", "servcie",
              b -> b.agentArg("servcie", "x")));

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private static final Map<String, MeshedJvm> started = new LinkedHashMap<>();
  private static MeshedJvm unmeshed;
  private static MeshedJvm unmeshedBadArgument;

  @BeforeAll
  static void startAll() {
    // They all start together: most of them only live as long as a JVM start.
    for (BadSetting bad : CASES) {
      started.put(
          bad.label(),
          jvms.start(
              bad.apply()
                  .apply(MeshedJvm.java("bad-config").testApp("socket-app").withAgent())));
    }
    unmeshed =
        jvms.start(
            MeshedJvm.java("unmeshed-on-error")
                .testApp("socket-app")
                .withAgent()
                .env("MESH_ADMIN_PORT", "abc")
                .env("MESH_START_UNMESHED_ON_ERROR", "true"));
    unmeshedBadArgument =
        jvms.start(
            MeshedJvm.java("unmeshed-on-bad-argument")
                .testApp("socket-app")
                .withAgent()
                .agentArg("servcie", "x")
                .env("MESH_START_UNMESHED_ON_ERROR", "true"));
  }

  static List<BadSetting> cases() {
    return CASES;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exitsWith78NamingTheSettingAndTheValue(BadSetting bad) {
    MeshedJvm jvm = started.get(bad.label());
    assertThat(jvm.awaitExit(Timeouts.EXIT)).as("exit code").isEqualTo(EX_CONFIG);
    List<String> errors = jvm.linesMatching("^\\[jmesh\\] ERROR");
    assertThat(errors).as("[jmesh] ERROR lines on stderr").isNotEmpty();
    assertThat(jvm.stderr()).contains(errors.get(0));
    assertThat(errors)
        .anySatisfy(
            line ->
                assertThat(line)
                    .containsPattern(bad.settingPattern())
                    .contains(bad.value()));
    assertThat(jvm.linesMatching("^READY ")).as("the application must not have started").isEmpty();
  }

  @Test
  void startUnmeshedOnErrorLetsTheApplicationRunUnmeshed() {
    unmeshed.awaitOutput("^RESULT ok round=1", Timeouts.STARTUP);
    unmeshed.awaitOutput("^\\[jmesh\\] inactive", Timeouts.STARTUP);
    assertThat(unmeshed.linesMatching("^\\[jmesh\\] inactive")).hasSize(1);
    assertThat(unmeshed.linesMatching("^\\[jmesh\\].*(adminPort|MESH_ADMIN_PORT)"))
        .as("a warning naming the bad setting")
        .anySatisfy(line -> assertThat(line).contains("abc"));
    assertThat(unmeshed.linesMatching("^\\[jmesh\\] admin ")).isEmpty();
    assertThat(unmeshed.isAlive()).isTrue();
  }

  @Test
  void theOptInAlsoCoversAnAgentArgumentThatCannotBeParsed() {
    unmeshedBadArgument.awaitOutput("^RESULT ok round=1", Timeouts.STARTUP);
    assertThat(unmeshedBadArgument.linesMatching("^\\[jmesh\\] ERROR .*'servcie'")).hasSize(1);
    assertThat(unmeshedBadArgument.linesMatching("^\\[jmesh\\] inactive")).hasSize(1);
    assertThat(unmeshedBadArgument.isAlive()).isTrue();
  }
}
