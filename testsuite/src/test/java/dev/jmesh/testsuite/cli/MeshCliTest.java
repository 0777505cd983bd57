package dev.jmesh.testsuite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * ({@code ratings}, subset v1, a VirtualService with a header route): status with its certificate
 * expiry, config and its secrets, JSON and YAML, the exit codes, a NACK showing up, and a route
 * NACK that stays NACKED (not STALE) while the proxy changes what it asks for. Every port
 * ephemeral, all on loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The last two tests break the configuration on purpose (NACKs); the others need it whole.
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
  private MeshedJvm proxy;
  private volatile Run lastStatus;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-cli");
    controlPlane = MeshControlPlane.start(jvms, work);
    debugAddress = "127.0.0.1:" + controlPlane.httpPort();
    controlPlane.apply("ratings-rules", ratingsRules(""));
    ratingsPort = FreePorts.loopback();
    // The proxy registers its workload once the application accepts connections; the CLI reads
    // configuration and sends no request, so a socket nobody reads from is application enough.
    application = new ServerSocket();
    application.bind(new InetSocketAddress("127.0.0.1", 0));
    proxy =
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
                    "--outbound", "ratings:" + ratingsPort + "=127.0.0.1:0"));
    proxy.awaitOutput("ready in \\d+ ms", MeshControlPlane.STARTUP);
  }

  /** ratings' DestinationRule and VirtualService; {@code catchAllExtra} goes in the last route. */
  private static String ratingsRules(String catchAllExtra) {
    return String.join(
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
        catchAllExtra);
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
        .matches("NAME\\s+CDS\\s+LDS\\s+EDS\\s+RDS\\s+VERSION\\s+CERT EXPIRY\\s+NODE ID");
    // The proxy's certificate lives 24 h (Istio's default) and was issued at its start.
    assertThat(cells(row(status.stdout(), "sidecar~")).get(6))
        .as(status.output())
        .matches("2[23]h\\d{1,2}m");
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
    Instant notAfter =
        Instant.parse(
            python(
                "import json,sys; print(json.load(sys.stdin)[0]['certificate']['notAfter'])",
                json.stdout()));
    assertThat(notAfter)
        .isBetween(
            Instant.now().plus(Duration.ofHours(22)), Instant.now().plus(Duration.ofHours(24)));
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
  void secretsShowTheCertificateTheWorkloadHoldsAsTheCaIssuedIt() throws Exception {
    String certs = proxy.httpGet("certs").body();
    String serial =
        python("import json,sys; print(json.load(sys.stdin)['certificate']['serial'])", certs);
    String notAfter =
        python("import json,sys; print(json.load(sys.stdin)['certificate']['notAfter'])", certs);

    Run secrets = mesh("config", "ratings", "secrets", "--control-plane", debugAddress);
    assertThat(secrets.exitCode()).as(secrets.output()).isZero();
    assertThat(secrets.stdout().lines().findFirst().orElse(""))
        .matches(
            "RESOURCE NAME\\s+TYPE\\s+STATUS\\s+VALID CERT\\s+SERIAL NUMBER\\s+NOT AFTER"
                + "\\s+NOT BEFORE");
    assertThat(cells(row(secrets.stdout(), "Cert Chain")))
        .as("the CA's record of what it issued is what the workload holds")
        .startsWith("default", "Cert Chain", "ACTIVE", "true", serial, notAfter);
    assertThat(cells(row(secrets.stdout(), "ROOTCA"))).startsWith("ROOTCA", "CA", "ACTIVE", "true");
    Run json = mesh("config", "ratings", "secrets", "-o", "json", "--control-plane", debugAddress);
    assertThat(
            python("import json,sys; print(json.load(sys.stdin)[0]['matchedBy'])", json.stdout()))
        .as("issued on the proxy's own ADS connection")
        .isEqualTo("connection");

    String admin = proxy.adminUri().getAuthority();
    Run own =
        mesh("config", "ratings", "secrets", "--admin", admin, "--control-plane", debugAddress);
    assertThat(own.exitCode()).as(own.output()).isZero();
    assertThat(cells(row(own.stdout(), "Cert Chain")))
        .startsWith("default", "Cert Chain", "ACTIVE", "true", serial, notAfter);

    String nobody = "127.0.0.1:" + FreePorts.loopback();
    Run unreachable =
        mesh("config", "ratings", "secrets", "--admin", nobody, "--control-plane", debugAddress);
    assertThat(unreachable.exitCode()).as(unreachable.output()).isEqualTo(3);
    assertThat(unreachable.stderr()).contains("http://" + nobody + "/certs").contains("--admin");
  }

  @Test
  @Order(6)
  void anUnreachableControlPlaneExitsThreeAndSaysHowToPointAtIt() throws IOException {
    String nobody = "127.0.0.1:" + FreePorts.loopback();
    Run status = mesh("status", "--control-plane", nobody);
    assertThat(status.exitCode()).as(status.output()).isEqualTo(3);
    assertThat(status.stderr())
        .contains("http://" + nobody)
        .contains("--control-plane HOST:PORT")
        .contains("MESH_CONTROL_PLANE_HTTP");
  }

  @Test
  @Order(7)
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
  @Order(8)
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

  @Test
  @Order(9)
  void aRouteNackStaysNackedWhenTheProxyDropsARouteThenClearsOnceFixed() throws IOException {
    // Left over from the test before: the inbound listener's NACK. A second service gives the
    // proxy a second route to drop later.
    controlPlane.apply(
        "reviews",
        String.join(
            "\n",
            "apiVersion: networking.istio.io/v1",
            "kind: ServiceEntry",
            "metadata: {name: reviews, namespace: default}",
            "spec:",
            "  hosts: [reviews.example.com]",
            "  ports: [{number: 9080, name: http, protocol: HTTP}]",
            "  resolution: STATIC",
            "  endpoints: [{address: 127.0.0.9}]",
            "---",
            "apiVersion: networking.istio.io/v1",
            "kind: VirtualService",
            "metadata: {name: reviews, namespace: default}",
            "spec:",
            "  hosts: [reviews.example.com]",
            "  http:",
            "  - route:",
            "    - destination: {host: reviews.example.com}",
            ""));
    await().until(() -> proxyRoutes() == 2);
    // A header value with a substitution formatter: the control plane passes it on, the data
    // path refuses that route by name.
    controlPlane.apply(
        "ratings-rules",
        ratingsRules(
            String.join(
                "\n",
                "    headers:",
                "      request:",
                "        set: {x-peer: \"%DOWNSTREAM_REMOTE_ADDRESS%\"}",
                "")));
    await().untilAsserted(() -> assertThat(rdsState()).as(lastStatus.output()).isEqualTo("NACKED"));

    // The proxy drops reviews' listener and with it its route: it asks for ratings' route
    // only, on the refused response's nonce with its previous version. That is no ACK: RDS
    // stays NACKED (it used to turn STALE, sent and never ACKed, until the route was fixed).
    controlPlane.delete("reviews");
    await().until(() -> proxyRoutes() == 1);
    await()
        .during(Duration.ofSeconds(3))
        .untilAsserted(() -> assertThat(rdsState()).as(lastStatus.output()).isEqualTo("NACKED"));
    assertThat(lastStatus.stdout())
        .containsPattern(
            "ratings-\\S+ RDS NACKED version \\d+ \\(still on \\d+\\): RDS"
                + " resource '[^']+': .*substitution formatters");

    controlPlane.apply("ratings-rules", ratingsRules(""));
    await().untilAsserted(() -> assertThat(rdsState()).as(lastStatus.output()).isEqualTo("SYNCED"));
  }

  /** RDS's state in the proxy's row of {@code mesh status}. */
  private String rdsState() {
    Run status = mesh("status", "--control-plane", debugAddress);
    lastStatus = status;
    return cells(row(status.stdout(), "sidecar~")).get(4);
  }

  /** How many RouteConfigurations the proxy itself holds (its /config_dump). */
  private int proxyRoutes() {
    Matcher m =
        Pattern.compile(
                "\"ROUTE_CONFIGURATION\": \\{\\s*\"version\": \"[^\"]*\",\\s*\"resources\": (\\d+)")
            .matcher(proxy.httpGet("config_dump").body());
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
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
