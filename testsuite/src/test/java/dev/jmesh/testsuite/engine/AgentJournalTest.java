package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent's opt-in journal end to end, with the real mesh.jar and control plane: meshed JVMs
 * started with nothing but {@code MESH_JOURNAL=DIR} (no JVM flag) journal every HTTP request on
 * both sides (the client's outbound, the server's inbound) and every TCP connection on both sides,
 * and {@code mesh replay} (journal/target/mesh-replay.jar) reads them back. Chronicle and SLF4J,
 * relocated inside mesh.jar, print nothing on the application's output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentJournalTest {

  private static final String HTTP_SERVICE = "aj-http";
  private static final String TCP_SERVICE = "aj-echo";
  private static final Duration REPLAY = Duration.ofSeconds(60);
  private static final int TCP_BYTES = 12_345;

  /** What Chronicle or SLF4J would print if either reached the application's output. */
  private static final Pattern NOISE = Pattern.compile("(?i)slf4j|chronicle|openhft|analytics");

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private MeshedJvm httpServer;
  private MeshedJvm echoServer;
  private int httpPort;
  private int tcpPort;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-agent-journal");
    controlPlane = MeshControlPlane.start(jvms, work);
    httpPort = FreePorts.loopback();
    httpServer = startServer(HTTP_SERVICE, "jdk", "http:" + httpPort, httpPort);
    tcpPort = FreePorts.loopback();
    echoServer = startServer(TCP_SERVICE, "echo", TcpEchoCalls.PORT_NAME + ":" + tcpPort, tcpPort);
  }

  @AfterAll
  void removeWork() throws Exception {
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private MeshedJvm startServer(String service, String kind, String servicePorts, int port)
      throws Exception {
    MeshedJvm server =
        jvms.start(
            MeshedJvm.java(service)
                .testApp("mesh-servers-app")
                .args(kind, "127.0.0.1", Integer.toString(port))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", service).toString())
                .env("MESH_LABELS", "app=" + service + ",version=v1")
                .env("MESH_SERVICE_PORTS", servicePorts)
                .env("MESH_JOURNAL", journal(service).toString()));
    // One JVM starting at a time: two agents starting together on a loaded machine may miss the
    // engine's start-up window.
    server.awaitOutput("READY kind=" + kind + " port=\\d+", MeshControlPlane.STARTUP);
    server.awaitOutput("\\[jmesh\\] journal ", MeshControlPlane.STARTUP);
    return server;
  }

  private ClientDriver startClient(String name, Jdk jdk) throws Exception {
    ClientDriver client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java(name)
                    .jdk(jdk)
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", name).toString())
                    .env("MESH_LABELS", "app=" + name + ",version=v1")
                    .env("MESH_JOURNAL", journal(name).toString())));
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    client.jvm().awaitOutput("\\[jmesh\\] journal ", MeshControlPlane.STARTUP);
    return client;
  }

  private Path journal(String workload) {
    return work.resolve("journal-" + workload);
  }

  /**
   * Three requests and one TCP connection from a meshed client; then the client is killed with
   * SIGKILL, and its journal still holds every record it appended.
   */
  @Test
  void requestsAndTcpConnectionsAreJournaledOnBothSidesAndSurviveKill9() throws Exception {
    ClientDriver client = startClient("aj-client", Jdk.JDK17);
    List<String> paths = trafficFrom(client, "k9");
    awaitAppended(client.jvm(), paths.size() + 1);
    assertThat(client.jvm().command())
        .as("no JVM flag grants Chronicle its access")
        .noneMatch(arg -> arg.startsWith("--add-") || arg.contains("sun.misc.unsafe"));
    ProcessHandle.of(client.jvm().pid()).orElseThrow().destroyForcibly();
    assertThat(client.jvm().awaitExit(Duration.ofSeconds(30))).isEqualTo(137);

    List<Map<String, Object>> out = print(journal("aj-client"));
    for (String path : paths) {
      assertThat(withPath(out, path))
          .as("the client's outbound record of %s", path)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.get("reporter")).isEqualTo("source");
                assertThat(e.get("protocol")).isEqualTo("http");
                assertThat(e.get("method")).isEqualTo("GET");
                assertThat(e.get("response_code")).isEqualTo(200L);
                assertThat(e.get("source_workload")).isEqualTo("aj-client");
                assertThat(e.get("destination_service"))
                    .isEqualTo(HTTP_SERVICE + ".default.svc.cluster.local");
                assertThat(e.get("cluster"))
                    .isEqualTo(
                        "outbound|"
                            + httpPort
                            + "||"
                            + HTTP_SERVICE
                            + ".default.svc.cluster.local");
              });
    }
    List<Map<String, Object>> inbound = print(journal(HTTP_SERVICE));
    for (String path : paths) {
      Map<String, Object> sent = withPath(out, path).get(0);
      assertThat(withPath(inbound, path))
          .as("the server's inbound record of %s", path)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.get("reporter")).isEqualTo("destination");
                assertThat(e.get("request_id")).isEqualTo(sent.get("request_id"));
                assertThat(e.get("response_code")).isEqualTo(200L);
                assertThat(e.get("source_principal"))
                    .isEqualTo("spiffe://cluster.local/ns/default/sa/aj-client");
                assertThat(e.get("destination_workload")).isEqualTo(HTTP_SERVICE);
                assertThat(e.get("connection_security_policy")).isEqualTo("mutual_tls");
                assertThat(e.get("cluster")).isEqualTo("inbound|" + httpPort + "||");
              });
    }
    assertTcpRecord(out, "source", "aj-client");
    awaitTcpRecord(journal(TCP_SERVICE), "aj-client");

    MeshedJvm summary = replay("summary", journal("aj-client"));
    assertThat(summary.awaitExit(REPLAY)).as(summary.output()).isZero();
    assertThat(summary.stdout())
        .as("summary counts the TCP connection with the requests")
        .contains(TCP_SERVICE + ".default.svc.cluster.local")
        .contains(HTTP_SERVICE + ".default.svc.cluster.local");

    assertThat(client.jvm().output()).as("the client's output").doesNotContainPattern(NOISE);
    assertThat(httpServer.output()).as("the HTTP server's output").doesNotContainPattern(NOISE);
    assertThat(echoServer.output()).as("the echo server's output").doesNotContainPattern(NOISE);
  }

  /**
   * On JDK 25 the same, without a flag: Chronicle's {@code sun.misc.Unsafe} use prints the JVM's
   * one-time warning (documented; the agent cannot pass JVM flags), and nothing else.
   */
  @Test
  void onJdk25TheJournalWorksWithoutFlagsAndOnlyTheUnsafeWarningIsPrinted() throws Exception {
    ClientDriver client = startClient("aj-client25", Jdk.JDK25);
    List<String> paths = trafficFrom(client, "jdk25");
    awaitAppended(client.jvm(), paths.size() + 1);

    List<Map<String, Object>> out = print(journal("aj-client25"));
    for (String path : paths) {
      assertThat(withPath(out, path)).as(path).singleElement();
    }
    assertTcpRecord(out, "source", "aj-client25");
    List<String> noise = new ArrayList<>();
    List<String> unsafe = new ArrayList<>();
    for (String line : client.jvm().output().split("\n")) {
      if (line.startsWith("WARNING: ") && line.contains("sun.misc.Unsafe")) {
        unsafe.add(line);
      } else if (NOISE.matcher(line).find()
          && !(line.startsWith("WARNING: ") && line.contains("chronicle.core.UnsafeMemory"))) {
        noise.add(line);
      }
    }
    assertThat(noise).as("Chronicle or SLF4J lines besides the JVM's Unsafe warning").isEmpty();
    assertThat(unsafe)
        .as("the JVM's one-time warning about Chronicle's sun.misc.Unsafe use (documented)")
        .anyMatch(line -> line.contains("terminally deprecated method in sun.misc.Unsafe"));
  }

  /**
   * A journal that cannot open (here its directory is a file) is said once and left off; the
   * application starts and runs as if none had been asked for.
   */
  @Test
  void aJournalThatCannotOpenIsSaidOnceAndTheApplicationRuns() throws Exception {
    Path notADirectory = Files.writeString(work.resolve("not-a-directory"), "x");
    MeshedJvm app =
        jvms.start(
            MeshedJvm.java("aj-broken")
                .testApp("mesh-client-app")
                .withAgent()
                .env("MESH_JOURNAL", notADirectory.toString()));
    app.awaitOutput("READY client", MeshControlPlane.STARTUP);
    app.awaitOutput(
        "\\[jmesh\\] ERROR the journal is off: .*not-a-directory", Duration.ofSeconds(30));
    ClientDriver client = new ClientDriver(app);
    assertThat(client.run("resolve localhost").ok()).as("the application answers").isTrue();
    assertThat(app.linesMatching("journal is off")).hasSize(1);
    assertThat(app.output()).doesNotContainPattern(NOISE);
  }

  /** Three GETs to fresh paths and one TCP connection; returns the paths. */
  private List<String> trafficFrom(ClientDriver client, String tag) {
    List<String> paths = new ArrayList<>();
    String base = "http://" + HTTP_SERVICE + ":" + httpPort;
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> client.run("http GET " + base + "/warm-up-" + tag).status() == 200);
    for (int i = 0; i < 3; i++) {
      String path = "/journal/" + tag + "-" + i;
      assertThat(client.run("http GET " + base + path).status()).isEqualTo(200);
      paths.add(path);
    }
    ClientDriver.Result tcp =
        client.run("tcp " + TCP_SERVICE + " " + tcpPort + " " + TCP_BYTES, Duration.ofSeconds(60));
    assertThat(tcp.field("received")).as(tcp.toString()).isEqualTo("" + TCP_BYTES);
    return paths;
  }

  /** Until the JVM's journal has appended at least {@code count} records more than the warm-up. */
  private static void awaitAppended(MeshedJvm jvm, int count) {
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                jvm.findMetric("jmesh_journal_records_total", "result", "appended").orElse(0.0)
                    >= count);
  }

  private void assertTcpRecord(List<Map<String, Object>> entries, String reporter, String source) {
    assertThat(tcpRecords(entries, source))
        .as("the TCP connection of %s", source)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.get("reporter")).isEqualTo(reporter);
              assertThat(e.get("bytes_sent")).isEqualTo((long) TCP_BYTES);
              assertThat(e.get("bytes_received")).isEqualTo((long) TCP_BYTES);
              assertThat(e.get("destination_service"))
                  .isEqualTo(TCP_SERVICE + ".default.svc.cluster.local");
              assertThat((String) e.get("cluster")).startsWith("outbound|" + tcpPort + "||");
              assertThat((String) e.get("upstream_host")).endsWith(":" + tcpPort);
              assertThat(e.get("response_flags")).isEqualTo("-");
              assertThat((Double) e.get("duration_ms")).isPositive();
            });
  }

  /** The echo server journals its side when the connection closes, a moment after the client's. */
  private void awaitTcpRecord(Path journal, String source) {
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(tcpRecords(print(journal), source))
                    .as("the echo server's record of the TCP connection from %s", source)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.get("reporter")).isEqualTo("destination");
                          assertThat(e.get("source_principal"))
                              .isEqualTo("spiffe://cluster.local/ns/default/sa/" + source);
                          assertThat(e.get("connection_security_policy")).isEqualTo("mutual_tls");
                          assertThat(e.get("bytes_received")).isEqualTo((long) TCP_BYTES);
                          assertThat(e.get("bytes_sent")).isEqualTo((long) TCP_BYTES);
                          assertThat(e.get("cluster")).isEqualTo("inbound|" + tcpPort + "||");
                        }));
  }

  private static List<Map<String, Object>> tcpRecords(
      List<Map<String, Object>> entries, String source) {
    return entries.stream()
        .filter(e -> "tcp".equals(e.get("protocol")))
        // The inbound side of a TCP connection knows its peer by principal only.
        .filter(
            e ->
                source.equals(e.get("source_workload"))
                    || ("spiffe://cluster.local/ns/default/sa/" + source)
                        .equals(e.get("source_principal")))
        .toList();
  }

  private static List<Map<String, Object>> withPath(
      List<Map<String, Object>> entries, String path) {
    return entries.stream().filter(e -> path.equals(e.get("path"))).toList();
  }

  /** {@code mesh replay print --format json} over a journal, one map per entry. */
  private List<Map<String, Object>> print(Path journal) {
    MeshedJvm print = replay("print", journal, "--format", "json");
    assertThat(print.awaitExit(REPLAY)).as(print.output()).isZero();
    List<Map<String, Object>> entries = new ArrayList<>();
    for (String line : print.stdout().split("\n")) {
      if (line.startsWith("{")) {
        entries.add(AccessLogTest.FlatJson.parse(line));
      }
    }
    return entries;
  }

  private MeshedJvm replay(String command, Path journal, String... options) {
    List<String> args = new ArrayList<>(List.of(command, "--journal", journal.toString()));
    args.addAll(List.of(options));
    return jvms.start(
        MeshedJvm.java("replay-" + command)
            .jar(MeshPaths.root().resolve("journal/target/mesh-replay.jar"))
            .args(args.toArray(String[]::new)));
  }
}
