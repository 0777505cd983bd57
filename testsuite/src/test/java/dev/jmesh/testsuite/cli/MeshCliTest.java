package dev.jmesh.testsuite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code scripts/mesh} as an operator runs it, against the real control plane and a real mesh-proxy
 * ({@code ratings}, subset v1, a VirtualService with a header route): status, config, its JSON and
 * YAML, the exit codes, and a NACK showing up. Every port ephemeral, all on loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The last test breaks the configuration on purpose (a NACK); the others need it whole.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshCliTest {

  private static final Duration WORK = Duration.ofSeconds(30);
  private static final String RATINGS = "ratings.default.svc.cluster.local";

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private int ratingsPort;
  private String debugAddress;
  private ServerSocket application;
  private volatile Run lastStatus;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-cli");
    controlPlane = MeshControlPlane.start(jvms, work);
    debugAddress = "127.0.0.1:" + controlPlane.httpPort();
    controlPlane.apply(
        "ratings-rules",
        String.join(
            "\n",
            "apiVersion: networking.istio.io/v1",
            "kind: DestinationRule",
            "metadata: {name: ratings, namespace: default}",
            "spec:",
            "  host: ratings",
            "  subsets:",
            "  - name: v1",
            "    labels: {version: v1}",
            "---",
            "apiVersion: networking.istio.io/v1",
            "kind: VirtualService",
            "metadata: {name: ratings, namespace: default}",
            "spec:",
            "  hosts: [ratings]",
            "  http:",
            "  - match:",
            "    - headers: {end-user: {exact: jason}}",
            "    route:",
            "    - destination: {host: ratings, subset: v1}",
            "  - route:",
            "    - destination: {host: ratings, subset: v1}",
            ""));
    ratingsPort = freePort();
    // The proxy registers its workload once the application accepts connections; the CLI reads
    // configuration and sends no request, so a socket nobody reads from is application enough.
    application = new ServerSocket();
    application.bind(new InetSocketAddress("127.0.0.1", 0));
    jvms.start(
            MeshedJvm.java("ratings-proxy")
                .jar(MeshPaths.root().resolve("proxy/target/mesh-proxy.jar"))
                .jvmFlags("-Xmx64m")
                .env("MESH_JOURNAL", "off")
                .withoutAgent()
                .args(
                    "--service", "ratings",
                    "--control-plane", controlPlane.address(),
                    "--token-file", controlPlane.token("default", "ratings").toString(),
                    "--labels", "app=ratings,version=v1",
                    "--inbound", ratingsPort + "=127.0.0.1:" + application.getLocalPort(),
                    "--workload-address", "127.0.0.1",
                    "--admin-port", "0",
                    "--metrics-port", "0",
                    "--http-proxy", "off",
                    "--outbound", "ratings:" + ratingsPort + "=127.0.0.1:0"))
        .awaitOutput("ready in \\d+ ms", MeshControlPlane.STARTUP);
  }

  @AfterAll
  void stop() throws IOException {
    if (application != null) {
      application.close();
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  @Order(1)
  void statusListsTheProxyWithEveryTypeSynced() {
    await()
        .untilAsserted(
            () -> {
              Run status = mesh("status", "--control-plane", debugAddress);
              assertThat(status.exitCode()).as(status.output()).isZero();
              String row = row(status.stdout(), "ratings-");
              assertThat(row.split("\\s+"))
                  .as(status.output())
                  .startsWith(row.split("\\s+")[0], "SYNCED", "SYNCED", "SYNCED", "SYNCED");
            });
    Run status = mesh("status", "--control-plane", debugAddress);
    assertThat(status.stdout().lines().findFirst().orElse(""))
        .matches("NAME\\s+CDS\\s+LDS\\s+EDS\\s+RDS\\s+VERSION\\s+NODE ID");
  }

  @Test
  @Order(2)
  void theControlPlaneAddressComesFromTheEnvironmentAndJsonAndYamlAreWellFormed() throws Exception {
    Run json = mesh(List.of("MESH_CONTROL_PLANE_HTTP=" + debugAddress), "status", "-o", "json");
    assertThat(json.exitCode()).as(json.output()).isZero();
    assertThat(
            python(
                "import json,sys; d=json.load(sys.stdin); print(d[0]['LDS']['status'])",
                json.stdout()))
        .isEqualTo("SYNCED");
    Run clusters =
        mesh("config", "ratings", "clusters", "-o", "json", "--control-plane", debugAddress);
    assertThat(clusters.exitCode()).as(clusters.output()).isZero();
    assertThat(
            python(
                "import json,sys; print(sorted(c['name'] for c in json.load(sys.stdin)))",
                clusters.stdout()))
        .contains("outbound|" + ratingsPort + "|v1|" + RATINGS);
    Run yaml = mesh("config", "ratings", "-o", "yaml", "--control-plane", debugAddress);
    assertThat(yaml.exitCode()).as(yaml.output()).isZero();
    assertThat(yaml.stdout()).contains("proxyID: ").contains("listeners:").contains("clusters:");
  }

  @Test
  @Order(3)
  void configShowsTheWorkloadsListenersRoutesClustersAndEndpoints() {
    Run clusters = mesh("config", "ratings", "clusters", "--control-plane", debugAddress);
    assertThat(clusters.exitCode()).as(clusters.output()).isZero();
    assertThat(clusters.stdout().lines().findFirst().orElse(""))
        .matches("SERVICE FQDN\\s+PORT\\s+SUBSET\\s+DIRECTION\\s+TYPE");
    assertThat(cells(row(clusters.stdout(), RATINGS + " ", " v1 ")))
        .containsExactly(RATINGS, Integer.toString(ratingsPort), "v1", "outbound", "EDS");
    assertThat(clusters.stderr()).doesNotContain("could not print");

    Run listeners = mesh("config", "ratings", "listeners", "--control-plane", debugAddress);
    assertThat(listeners.exitCode()).as(listeners.output()).isZero();
    String inbound = row(listeners.stdout(), "inbound/127.0.0.1:" + ratingsPort);
    assertThat(cells(inbound)).endsWith("127.0.0.1", Integer.toString(ratingsPort), "HTTP");

    Run routes = mesh("config", "ratings", "routes", "--control-plane", debugAddress);
    assertThat(routes.exitCode()).as(routes.output()).isZero();
    assertThat(routes.stdout().lines().findFirst().orElse(""))
        .matches("NAME\\s+DOMAINS\\s+MATCH\\s+VIRTUAL SERVICE");
    assertThat(routes.stdout())
        .as("the header route and the catch-all of the VirtualService")
        .containsPattern(
            RATINGS
                + ":"
                + ratingsPort
                + "\\s+ratings \\+3 more\\s+/\\* \\(headers"
                + " end-user\\)")
        .containsPattern(RATINGS + ":" + ratingsPort + "\\s+ratings \\+3 more\\s+/\\*\\s")
        .as("the VIRTUAL SERVICE column names the resource, from the routes' istio metadata")
        .containsPattern("end-user\\)\\s+ratings\\.default");

    Run endpoints = mesh("config", "ratings-", "endpoints", "--control-plane", debugAddress);
    assertThat(endpoints.exitCode()).as(endpoints.output()).isZero();
    assertThat(cells(row(endpoints.stdout(), "|v1|")))
        .containsExactly(
            "127.0.0.1:" + ratingsPort, "HEALTHY", "outbound|" + ratingsPort + "|v1|" + RATINGS);
  }

  @Test
  @Order(4)
  void anUnknownWorkloadSaysWhichAreConnected() {
    Run unknown = mesh("config", "productpage", "--control-plane", debugAddress);
    assertThat(unknown.exitCode()).as(unknown.output()).isEqualTo(1);
    assertThat(unknown.stderr())
        .contains("no connected workload matches 'productpage'")
        .contains("ratings-");
    Run section = mesh("config", "ratings", "filters", "--control-plane", debugAddress);
    assertThat(section.exitCode()).as(section.output()).isEqualTo(2);
    assertThat(section.stderr()).contains("unknown config section 'filters'");
  }

  @Test
  @Order(5)
  void anUnreachableControlPlaneExitsThreeAndSaysHowToPointAtIt() throws IOException {
    String nobody = "127.0.0.1:" + freePort();
    Run status = mesh("status", "--control-plane", nobody);
    assertThat(status.exitCode()).as(status.output()).isEqualTo(3);
    assertThat(status.stderr())
        .contains("http://" + nobody)
        .contains("--control-plane HOST:PORT")
        .contains("MESH_CONTROL_PLANE_HTTP");
  }

  @Test
  @Order(6)
  void analyzeAndTokenRunTheControlPlanesCommands() throws IOException {
    Path bad = Files.createDirectories(work.resolve("bad-config"));
    Files.writeString(
        bad.resolve("vs.yaml"),
        String.join(
            "\n",
            "apiVersion: networking.istio.io/v1",
            "kind: VirtualService",
            "metadata: {name: reviews, namespace: default}",
            "spec:",
            "  hosts: [reviews]",
            "  http:",
            "  - route:",
            "    - destination: {host: reviews}",
            "      weight: -5",
            ""));
    Run analyze = mesh("analyze", bad.toString());
    assertThat(analyze.exitCode()).as(analyze.output()).isEqualTo(1);
    assertThat(analyze.output()).contains("vs.yaml");
    Run token =
        mesh(
            "token",
            "create",
            "--namespace",
            "default",
            "--service-account",
            "cli",
            "--ttl",
            "1h",
            "--ca-dir",
            work.resolve("ca").toString());
    assertThat(token.exitCode()).as(token.output()).isZero();
    assertThat(token.stdout().strip()).startsWith("jmesh1.");
  }

  @Test
  @Order(7)
  void aConfigTheProxyRefusesShowsNackedWithItsErrorAndExitsOne() throws IOException {
    // A rate limit with one bucket per downstream connection: the control plane passes it on,
    // the data path refuses that listener by name (see ControlPlaneConnectionTest).
    controlPlane.apply(
        "ratelimit",
        String.join(
            "\n",
            "apiVersion: networking.istio.io/v1alpha3",
            "kind: EnvoyFilter",
            "metadata: {name: per-connection, namespace: default}",
            "spec:",
            "  configPatches:",
            "  - applyTo: HTTP_FILTER",
            "    match:",
            "      context: SIDECAR_INBOUND",
            "      listener: {filterChain: {filter: {name:"
                + " envoy.filters.network.http_connection_manager}}}",
            "    patch:",
            "      operation: INSERT_BEFORE",
            "      value:",
            "        name: envoy.filters.http.local_ratelimit",
            "        typed_config:",
            "          \"@type\":"
                + " type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
            "          stat_prefix: per_connection",
            "          token_bucket: {max_tokens: 5, tokens_per_fill: 5, fill_interval: 1s}",
            "          local_rate_limit_per_downstream_connection: true",
            ""));
    await()
        .untilAsserted(
            () -> {
              Run status = mesh("status", "--control-plane", debugAddress);
              lastStatus = status;
              assertThat(status.exitCode()).as(status.output()).isEqualTo(1);
              // The table row, not the NACK line under the table: only the row has the node id.
              assertThat(cells(row(status.stdout(), "sidecar~")).get(2)).isEqualTo("NACKED");
              assertThat(status.stdout())
                  .containsPattern(
                      "ratings-\\S+ LDS NACKED version \\d+ \\(still on \\d+\\): LDS"
                          + " resource '[^']+': .*local_rate_limit_per_downstream_connection");
            });
  }

  private static List<String> cells(String row) {
    return List.of(row.strip().split("\\s{2,}"));
  }

  /** The one line of a table that contains every fragment. */
  private static String row(String table, String... fragments) {
    List<String> rows =
        table.lines().filter(l -> Stream.of(fragments).allMatch(l::contains)).toList();
    assertThat(rows).as(table).hasSize(1);
    return rows.get(0);
  }

  private record Run(int exitCode, String stdout, String stderr) {
    String output() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private Run mesh(String... args) {
    return mesh(List.of(), args);
  }

  /** Runs scripts/mesh to its end (bounded) with the jars this build made. */
  private Run mesh(List<String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(MeshPaths.root().resolve("scripts/mesh").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("MESH_CONTROL_PLANE_HTTP");
    builder
        .environment()
        .put("MESH_CLI_JAR", MeshPaths.root().resolve("cli/target/mesh-cli.jar").toString());
    builder.environment().put("MESH_CONTROL_PLANE_JAR", MeshPaths.controlPlaneJar().toString());
    for (String e : env) {
      int eq = e.indexOf('=');
      builder.environment().put(e.substring(0, eq), e.substring(eq + 1));
    }
    try {
      Path out = Files.createTempFile(work, "mesh", ".out");
      Path err = Files.createTempFile(work, "mesh", ".err");
      Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("mesh " + String.join(" ", args) + " did not end in 60 s");
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs a Python program on the input: an independent JSON parser for the CLI's output. */
  private static String python(String program, String input) throws Exception {
    Process p = new ProcessBuilder("python3", "-c", program).redirectErrorStream(true).start();
    p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output.strip();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private ConditionFactory await() {
    return Awaitility.await()
        .atMost(WORK)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .conditionEvaluationListener(
            e -> {
              if (!e.isSatisfied() && e.getRemainingTimeInMS() <= 0 && lastStatus != null) {
                System.out.println("[cli-test] last status:\n" + lastStatus.output());
              }
            });
  }
}
