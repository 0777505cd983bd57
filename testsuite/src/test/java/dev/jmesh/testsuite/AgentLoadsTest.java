package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testing.PrometheusText;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** socket-app with the agent on JDK 17 and 25: the data path is installed and sees every socket. */
class AgentLoadsTest {

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private static final Map<Jdk, MeshedJvm> apps = new EnumMap<>(Jdk.class);

  @BeforeAll
  static void startApps() {
    // Both boot at once; each test then waits only for its own.
    for (Jdk jdk : Jdk.values()) {
      apps.put(
          jdk,
          jvms.start(
              MeshedJvm.java("socket-app-" + jdk.name().toLowerCase())
                  .jdk(jdk)
                  .testApp("socket-app")
                  .withAgent()));
    }
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void becomesReadyAndTheApplicationsEchoWorks(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    app.awaitReady(Timeouts.STARTUP);
    app.awaitOutput("RESULT (ok|fail) round=1", Timeouts.STARTUP);
    assertThat(app.linesMatching("^RESULT ")).containsExactly("RESULT ok round=1 echoes=4");
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void countsOutboundConnectionsToBothServers(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    Ports ports = Ports.of(app);
    app.awaitOutput("RESULT ok round=1", Timeouts.STARTUP);
    // One Socket and one SocketChannel per server per round.
    for (int port : List.of(ports.blocking, ports.nio)) {
      app.awaitMetric(
          "jmesh_agent_connections_total",
          n -> n == 2,
          Timeouts.METRIC,
          "direction", "outbound",
          "destination", "127.0.0.1:" + port);
    }
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void countsInboundAcceptsOnBothServers(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    Ports ports = Ports.of(app);
    app.awaitOutput("RESULT ok round=1", Timeouts.STARTUP);
    for (int port : List.of(ports.blocking, ports.nio)) {
      app.awaitMetric(
          "jmesh_agent_connections_total",
          n -> n == 2,
          Timeouts.METRIC,
          "direction", "inbound",
          "port", String.valueOf(port));
    }
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void countsTheBindOfEachServer(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    Ports ports = Ports.of(app);
    app.awaitReady(Timeouts.STARTUP);
    for (int port : List.of(ports.blocking, ports.nio)) {
      app.awaitMetric(
          "jmesh_agent_binds_total", n -> n == 1, Timeouts.METRIC, "port", String.valueOf(port));
    }
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void theAgentsOwnPortsAreInvisibleToItsHooks(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    app.awaitReady(Timeouts.STARTUP);
    app.awaitOutput("RESULT ok round=1", Timeouts.STARTUP);
    String adminPort = String.valueOf(app.adminUri().getPort());
    String metricsPort = String.valueOf(app.metricsUri().getPort());
    app.httpGet("config_dump");
    PrometheusText metrics = app.metrics();

    for (String own : List.of(adminPort, metricsPort)) {
      assertThat(metrics.samples())
          .as("samples naming the agent's own port %s", own)
          .filteredOn(
              s ->
                  s.name().startsWith("jmesh_agent_connections")
                      || s.name().startsWith("jmesh_agent_binds"))
          .filteredOn(
              s -> own.equals(s.labels().get("port"))
                  || ("127.0.0.1:" + own).equals(s.labels().get("destination")))
          .isEmpty();
      assertThat(app.linesMatching("^\\[jmesh\\]"))
          .as("[jmesh] lines other than the endpoint announcements naming port %s", own)
          .filteredOn(line -> !line.startsWith("[jmesh] admin ") && !line.startsWith("[jmesh] metrics "))
          .noneMatch(line -> line.matches(".*[:=]" + own + "\\b.*"));
    }
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void theNativeLibrariesLoadFromInsideMeshJar(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    app.awaitReady(Timeouts.STARTUP);
    String dump = app.httpGet("config_dump").body();
    assertThat(dump).as("/config_dump transport").containsPattern("\"epoll\": true");
    // The relocated io_uring library loads too; in an application's JVM the loops run on epoll.
    assertThat(dump).as("/config_dump transport").containsPattern("\"io_uring\": true");
    assertThat(dump).as("/config_dump transport").containsPattern("\"loops\": \"epoll\"");
    // The relocated BoringSSL native library loads from inside mesh.jar.
    assertThat(dump).as("/config_dump transport").containsPattern("\"boringssl\": true");
    // Conscrypt's BoringSSL, for the direct paths' mTLS, loads from inside mesh.jar unrelocated.
    assertThat(dump).as("/config_dump transport").containsPattern("\"conscrypt\": true");
  }

  @ParameterizedTest
  @EnumSource(Jdk.class)
  void anApplicationThatUsesNoInstrumentedLibraryNeverLoadsTheLibraryAdvice(Jdk jdk) {
    MeshedJvm app = apps.get(jdk);
    app.awaitOutput("RESULT ok round=1", Timeouts.STARTUP);
    assertThat(app.httpGet("config_dump").body())
        .contains("\"bridgeHooks\": true")
        .contains("\"libraryAdvice\": false");
  }

  /** The two echo servers' ports from {@code READY blocking=P1 nio=P2}. */
  record Ports(int blocking, int nio) {
    static Ports of(MeshedJvm app) {
      Matcher ready = app.awaitOutput("^READY blocking=(\\d+) nio=(\\d+)", Timeouts.STARTUP);
      return new Ports(Integer.parseInt(ready.group(1)), Integer.parseInt(ready.group(2)));
    }
  }
}
