package dev.jmesh.testsuite.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testing.PrometheusText;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transparent capture: an unmodified {@code curl http://reviews:PORT/} in a network namespace is
 * routed, encrypted and recorded by mesh-proxy. The test makes its own namespace (the workload's)
 * and a veth pair to it; the control plane and {@code reviews} (a meshed JVM, STRICT mTLS) listen
 * on the veth's host side, a plain Python server beside them stands for a destination outside the
 * mesh. {@code scripts/mesh-capture up} installs the TPROXY rules in the namespace; the proxy runs
 * inside it in the group the rules exclude, keeps the mesh's names in the namespace's hosts file,
 * and takes captured connections on 127.0.0.1:15002 (a fixed port is safe: the namespace is new).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshProxyCaptureTest {

  private static final Duration WORK = Duration.ofSeconds(30);
  private static final Duration READY = Duration.ofSeconds(90);
  private static final String CAPTURE_PORT = "15002";
  private static final String PROXY_GID = "1337";
  private static final String PROXY_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/productpage";
  private static final String PLAIN_PAGE = "hello from a server outside the mesh";
  private static final Path SCRIPT = MeshPaths.root().resolve("scripts/mesh-capture");

  /** The mesh's routing shows in the answer: only the VirtualService's rewrite adds /mesh. */
  private static final String ROUTES =
      """
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: reviews
        namespace: default
      spec:
        hosts:
        - reviews
        http:
        - match:
          - uri:
              prefix: /reviews
          rewrite:
            uri: /mesh/reviews
          route:
          - destination:
              host: reviews
      """;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private NetworkNamespace ns;
  private MeshControlPlane controlPlane;
  private MeshedJvm reviews;
  private int reviewsPort;
  private Process plain;
  private int plainPort;
  private Process proxy;
  private Path proxyLog;
  private URI proxyMetrics;
  private int proxyAdminPort;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-proxy-capture");
    ns = NetworkNamespace.create("jmesh-cap");
    String host = ns.hostAddress();
    controlPlane = MeshControlPlane.start(jvms, work, host);
    controlPlane.apply("reviews-strict", MeshProxyTest.strict("reviews"));
    controlPlane.apply("reviews-routes", ROUTES);
    reviewsPort = FreePorts.on(host);
    reviews =
        MeshProxyTest.startMeshed(
            jvms,
            MeshedJvm.java("reviews")
                .testApp("mesh-servers-app")
                .args("jdk", host, Integer.toString(reviewsPort))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "reviews").toString())
                .env("MESH_WORKLOAD_ADDRESS", host)
                .env("MESH_LABELS", "app=reviews,version=v1"),
            "reviews",
            host,
            reviewsPort);
    Path www = Files.createDirectories(work.resolve("www"));
    Files.writeString(www.resolve("index.html"), PLAIN_PAGE + "\n");
    plainPort = FreePorts.on(host);
    plain =
        new ProcessBuilder(
                "python3", "-m", "http.server", Integer.toString(plainPort), "--bind", host)
            .directory(www.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("plain.log").toFile())
            .start();

    NetworkNamespace.Run up =
        script(
            "up",
            "--netns",
            ns.name(),
            "--capture-port",
            CAPTURE_PORT,
            "--proxy-gid",
            PROXY_GID,
            "--control-plane",
            controlPlane.address());
    assertThat(up.exitCode()).as(up.output()).isZero();

    Path token = controlPlane.token("default", "productpage");
    List<String> command = new ArrayList<>();
    command.add(Jdk.JDK17.java().toString());
    command.addAll(MeshedJvm.STANDARD_FLAGS);
    command.addAll(
        List.of(
            "-Xmx64m",
            "-jar",
            MeshPaths.root().resolve("proxy/target/mesh-proxy.jar").toString(),
            "--service",
            "productpage",
            "--labels",
            "app=productpage,version=v1",
            "--control-plane",
            controlPlane.address(),
            "--token-file",
            token.toString(),
            "--workload-address",
            ns.workloadAddress(),
            "--admin-port",
            "0",
            "--metrics-port",
            "0",
            "--http-proxy",
            "off",
            "--capture-port",
            CAPTURE_PORT,
            "--hosts-file",
            "/etc/netns/" + ns.name() + "/hosts",
            "--journal",
            work.resolve("journal").toString()));
    // In the namespace, in the group the capture rules leave alone, as docs/proxy.md says.
    List<String> inNamespace =
        ns.inside(
            Stream.concat(
                    Stream.of("setpriv", "--regid", PROXY_GID, "--clear-groups"), command.stream())
                .toArray(String[]::new));
    proxyLog = work.resolve("proxy.log");
    ProcessBuilder builder =
        new ProcessBuilder(inNamespace).redirectErrorStream(true).redirectOutput(proxyLog.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("MESH_") || k.endsWith("_OPTIONS"));
    proxy = builder.start();
    System.out.println("[capture-test] proxy: " + String.join(" ", inNamespace));
    proxyMetrics = URI.create(awaitProxyOutput("\\[jmesh\\] metrics (http://\\S+)").group(1));
    proxyAdminPort =
        Integer.parseInt(
            awaitProxyOutput("\\[jmesh\\] admin http://127\\.0\\.0\\.1:(\\d+)").group(1));
    awaitProxyOutput("\\[jmesh\\] ready in (\\d+) ms");
    reviews.awaitReady(READY);
  }

  @AfterAll
  void stop() throws IOException, InterruptedException {
    if (proxy != null) {
      proxy.destroy();
      if (!proxy.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        proxy.destroyForcibly();
      }
    }
    if (plain != null) {
      plain.destroy();
    }
    if (ns != null) {
      NetworkNamespace.Run down = script("down", "--netns", ns.name());
      if (down.exitCode() != 0) {
        System.err.println("[capture-test] mesh-capture down: " + down.output());
      }
      ns.close();
    }
    if (work != null) {
      if (proxyLog != null && Files.exists(proxyLog)) {
        System.out.println("[capture-test] proxy output:\n" + Files.readString(proxyLog));
      }
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void anUnmodifiedCurlInTheNamespaceIsRoutedEncryptedAndRecordedByTheProxy() throws Exception {
    await()
        .untilAsserted(
            () -> {
              NetworkNamespace.Run curl =
                  ns.exec(
                      "curl",
                      "-sS",
                      "-m",
                      "10",
                      "-w",
                      "\nstatus=%{http_code}",
                      "http://reviews:" + reviewsPort + "/reviews/1");
              assertThat(curl.output())
                  .contains("status=200")
                  // The VirtualService's rewrite: the engine routed the request.
                  .contains("path=/mesh/reviews/1")
                  .contains("host=reviews:" + reviewsPort)
                  // reviews saw the proxy's SPIFFE identity: the hop between them was mTLS.
                  .contains("URI=" + PROXY_PRINCIPAL);
            });
    // The name came from the hosts file the proxy keeps for the namespace.
    assertThat(Files.readString(Path.of("/etc/netns", ns.name(), "hosts")))
        .contains("127.0.0.1\tlocalhost")
        .containsPattern(
            "240\\.240\\.\\d+\\.\\d+\\treviews\\.default\\.svc\\.cluster\\.local .*reviews\n");
    // reviews' inbound recorded it as mutual TLS from the proxy...
    reviews.awaitMetric(
        "istio_requests_total",
        v -> v >= 1,
        WORK,
        "reporter",
        "destination",
        "connection_security_policy",
        "mutual_tls",
        "source_principal",
        PROXY_PRINCIPAL,
        "response_code",
        "200");
    // ...and the proxy recorded its outbound request to reviews.
    await()
        .untilAsserted(
            () ->
                assertThat(
                        proxyMetrics()
                            .find(
                                "istio_requests_total",
                                "reporter",
                                "source",
                                "destination_service_name",
                                "reviews",
                                "response_code",
                                "200"))
                    .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1)));
  }

  @Test
  void plaintextToReviewsBypassingTheProxyIsRefusedUnderStrict() throws Exception {
    await().untilAsserted(() -> assertThat(reviewsAnswersThroughCapture()).isTrue());
    // From the test's own namespace, straight to reviews' port: no mTLS, no answer.
    assertThat(plaintextGet(ns.hostAddress(), reviewsPort)).doesNotStartWith("HTTP/");
    // From inside, in the proxy's group, which capture leaves alone: refused the same way.
    NetworkNamespace.Run bypass =
        ns.exec(
            "setpriv",
            "--regid",
            PROXY_GID,
            "--clear-groups",
            "curl",
            "-sS",
            "-m",
            "10",
            "-w",
            "\nstatus=%{http_code}",
            "http://" + ns.hostAddress() + ":" + reviewsPort + "/reviews/1");
    assertThat(bypass.exitCode()).as(bypass.output()).isNotZero();
    assertThat(bypass.output()).doesNotContain("status=200");
  }

  @Test
  void aDestinationOutsideTheMeshPassesThroughTheProxy() {
    long before = counter("jmesh: capture");
    await()
        .untilAsserted(
            () ->
                assertThat(plainThroughCapture().output())
                    .contains("status=200")
                    .contains(PLAIN_PAGE));
    // Its packets were captured (and so relayed by the proxy: nothing else listens there).
    assertThat(counter("jmesh: capture")).isGreaterThan(before);
  }

  @Test
  void underRegistryOnlyADestinationOutsideTheMeshIsClosedAndTheMeshStillAnswers()
      throws Exception {
    try {
      controlPlane.apply("mesh", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n");
      await()
          .untilAsserted(
              () -> assertThat(plainThroughCapture().output()).doesNotContain("status=200"));
      NetworkNamespace.Run blocked = plainThroughCapture();
      // Closed as the agent's black hole closes it: no answer at all.
      assertThat(blocked.exitCode()).as(blocked.output()).isNotZero();
      assertThat(reviewsAnswersThroughCapture()).isTrue();
    } finally {
      controlPlane.delete("mesh");
    }
    await().untilAsserted(() -> assertThat(plainThroughCapture().output()).contains(PLAIN_PAGE));
  }

  @Test
  void theProxysOwnControlPlaneConnectionIsNotCaptured() {
    // The proxy is ready: its xDS stream and certificate came over the veth, uncaptured.
    NetworkNamespace.Run ready =
        ns.exec("curl", "-sS", "-m", "5", "http://127.0.0.1:" + proxyAdminPort + "/ready");
    assertThat(ready.output()).as(ready.output()).startsWith("LIVE");
    assertThat(counter("jmesh: control plane")).isPositive();
  }

  @Test
  void theScriptIsIdempotentAndExplainsBadInput() {
    String rules = mangleRules();
    NetworkNamespace.Run again =
        script(
            "up",
            "--netns",
            ns.name(),
            "--capture-port",
            CAPTURE_PORT,
            "--proxy-gid",
            PROXY_GID,
            "--control-plane",
            controlPlane.address());
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(mangleRules()).isEqualTo(rules);
    assertThat(ns.exec("ip", "rule", "show", "fwmark", "1337").output().strip().lines()).hasSize(1);

    NetworkNamespace.Run bad = script("up", "--netns", ns.name(), "--capture-port", "http");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.output()).contains("--capture-port 'http' is not a port");
    NetworkNamespace.Run missing = script("up");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.output()).contains("--netns NS is required");
    NetworkNamespace.Run help = script("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.output()).contains("Usage: scripts/mesh-capture up|down|status");
  }

  // ---- helpers ----

  private boolean reviewsAnswersThroughCapture() {
    return ns.exec("curl", "-sS", "-m", "10", "http://reviews:" + reviewsPort + "/reviews/1")
        .output()
        .contains("path=/mesh/reviews/1");
  }

  private NetworkNamespace.Run plainThroughCapture() {
    return ns.exec(
        "curl",
        "-sS",
        "-m",
        "10",
        "-w",
        "\nstatus=%{http_code}",
        "http://" + ns.hostAddress() + ":" + plainPort + "/");
  }

  private static NetworkNamespace.Run script(String... args) {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(args));
    return NetworkNamespace.run(command);
  }

  /** The mesh rules in the namespace, without their counters. */
  private String mangleRules() {
    return ns.exec("iptables-save", "-t", "mangle")
        .output()
        .lines()
        .filter(l -> l.startsWith("-A"))
        .reduce("", (a, b) -> a + b + "\n");
  }

  /** The packets counted by the capture rule with this comment. */
  private long counter(String comment) {
    String table = ns.exec("iptables", "-t", "mangle", "-nvxL", "JMESH_OUTPUT").output();
    for (String line : table.lines().toList()) {
      if (line.contains("/* " + comment + " */")) {
        return Long.parseLong(line.trim().split("\\s+")[0]);
      }
    }
    throw new AssertionError("no rule '" + comment + "' in JMESH_OUTPUT:\n" + table);
  }

  private PrometheusText proxyMetrics() throws Exception {
    String body =
        HttpClient.newBuilder()
            .proxy(java.net.ProxySelector.of(null))
            .connectTimeout(Duration.ofSeconds(2))
            .build()
            .send(
                HttpRequest.newBuilder(proxyMetrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return PrometheusText.parse(body);
  }

  private Matcher awaitProxyOutput(String regex) throws Exception {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + READY.toNanos();
    while (true) {
      String output = Files.exists(proxyLog) ? Files.readString(proxyLog) : "";
      Matcher m = pattern.matcher(output);
      if (m.find()) {
        return m;
      }
      if (!proxy.isAlive()) {
        throw new AssertionError(
            "the proxy exited with "
                + proxy.exitValue()
                + " before printing "
                + regex
                + ":\n"
                + output);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "the proxy did not print " + regex + " within " + READY + ":\n" + output);
      }
      Thread.sleep(100);
    }
  }

  /** A plaintext HTTP/1.1 GET straight to the port: the first bytes of the answer, or "". */
  private static String plaintextGet(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          "GET /reviews/1 HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
    } catch (java.net.SocketException e) {
      // A reset is a refusal too.
      return "";
    }
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(WORK).pollInterval(Duration.ofMillis(500)).ignoreExceptions();
  }
}
