package dev.jmesh.testsuite.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import dev.jmesh.testsuite.engine.Promtool;
import java.io.File;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Istio's Grafana dashboards against a real Prometheus: three meshed workloads — a JVM client
 * ({@code client}, the agent), a JVM server ({@code reviews}, the agent) and {@code python3 -m
 * http.server} plus a Python TCP echo behind mesh-proxy ({@code ratings}) — serve their metrics
 * port, Prometheus scrapes all three every second, and the queries of Istio's Service and Workload
 * dashboards answer what the test sent: requests by response code, success rate, p50/p90/p99 of the
 * request duration, TCP bytes.
 *
 * <p>Prometheus does not count a counter's first value inside a window ({@code rate} sees only the
 * increase between samples), so each series is created by a warm-up request first, scraped, and the
 * measured traffic starts after a baseline instant {@code B}. Counts are checked exactly (instant
 * values at the end minus at {@code B}); the dashboards' {@code rate} queries run over the window
 * since {@code B} (the dashboards use {@code [1m]} or {@code [5m]}; the window here just starts
 * after the warm-up) and are checked against the same counts, within Prometheus's extrapolation to
 * the window's edges (at most one scrape interval at each end).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IstioDashboardsTest {

  private static final Duration STARTUP = Duration.ofSeconds(120);
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String RATINGS = "ratings.default.svc.cluster.local";
  private static final String CLIENT_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/client";

  /**
   * The measured traffic to reviews: fast, 1500 ms and 3500 ms requests (all 200). The slow ones
   * sit mid-bucket ((1000, 2500] and (2500, 5000]) so that a loaded machine's extra hundreds of
   * milliseconds keep them there.
   */
  private static final int FAST = 8;

  private static final int SLOW_1500 = 24;
  private static final int SLOW_3500 = 8;

  /** Requests in flight at once: enough to be quick, few enough not to queue behind each other. */
  private static final int CONCURRENCY = 4;

  /** The measured traffic to ratings (python behind mesh-proxy). */
  private static final int RATINGS_OK = 10;

  private static final int RATINGS_NOT_FOUND = 5;
  private static final int RATINGS_NOT_IMPLEMENTED = 3;

  /** Bytes the measured TCP connection sends and gets echoed back. */
  private static final int TCP_BYTES = 12_345;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private final List<Process> pythons = new ArrayList<>();
  private MeshedJvm client;
  private MeshedJvm reviews;
  private MeshedJvm ratings;
  private int reviewsPort;
  private int ratingsPort;
  private int ratingsTcpPort;
  private PrometheusServer prometheus;
  private int commands;

  /** The instant before the measured traffic, and the one at which it is all scraped. */
  private double baseline;

  private double end;

  @BeforeAll
  void startMeshAndDriveTraffic() throws Exception {
    work = Files.createTempDirectory("jmesh-dashboards");
    controlPlane = MeshControlPlane.start(jvms, work);
    Path www = Files.createDirectories(work.resolve("www"));
    Files.writeString(www.resolve("index.html"), "ratings from python\n");
    int pythonPort = FreePorts.loopback();
    pythons.add(
        python(www, "python3", "-m", "http.server", "" + pythonPort, "--bind", "127.0.0.1"));
    int echoPort = FreePorts.loopback();
    pythons.add(python(www, "python3", "-c", TCP_ECHO, "" + echoPort));
    reviewsPort = FreePorts.loopback();
    ratingsPort = FreePorts.loopback();
    ratingsTcpPort = FreePorts.loopback();
    reviews =
        startMeshed(
            MeshedJvm.java("reviews")
                .testApp("mesh-servers-app")
                .args("jdk", "127.0.0.1", Integer.toString(reviewsPort))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "reviews").toString())
                .env("MESH_LABELS", "app=reviews,version=v1")
                .env("MESH_SERVICE_PORTS", "http:" + reviewsPort),
            reviewsPort);
    ratings =
        jvms.start(
            MeshedJvm.java("ratings")
                .jar(MeshPaths.root().resolve("proxy/target/mesh-proxy.jar"))
                .jvmFlags("-Xmx64m")
                .env("MESH_JOURNAL", "off")
                .withoutAgent()
                .args(
                    "--service", "ratings",
                    "--control-plane", controlPlane.address(),
                    "--token-file", controlPlane.token("default", "ratings").toString(),
                    "--labels", "app=ratings,version=v1",
                    "--inbound", ratingsPort + "=127.0.0.1:" + pythonPort,
                    "--inbound", ratingsTcpPort + "=127.0.0.1:" + echoPort,
                    "--service-ports", "http:" + ratingsPort + ",tcp-echo:" + ratingsTcpPort,
                    "--workload-address", "127.0.0.1",
                    "--admin-port", "0",
                    "--metrics-port", "0",
                    "--http-proxy", "off"));
    ratings.awaitReady(STARTUP);
    client =
        jvms.start(
            MeshedJvm.java("client")
                .testApp("mesh-client-app")
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                .env("MESH_LABELS", "app=client,version=v1"));
    client.awaitOutput("READY client", STARTUP);

    // Warm-up: every series the measured traffic adds to, created and scraped before it starts.
    awaitOk("http GET http://reviews:" + reviewsPort + "/", "status=200");
    awaitOk("http GET http://ratings:" + ratingsPort + "/", "status=200");
    awaitOk("http GET http://ratings:" + ratingsPort + "/missing", "status=404");
    awaitOk("http POST http://ratings:" + ratingsPort + "/", "status=501");
    awaitOk("tcp ratings " + ratingsTcpPort + " 100", "");
    prometheus =
        PrometheusServer.start(
            work,
            List.of(
                new PrometheusServer.Target("client", client.metricsUri()),
                new PrometheusServer.Target("reviews", reviews.metricsUri()),
                new PrometheusServer.Target("ratings", ratings.metricsUri())));
    awaitScrapedAfter(now() + 1.5);
    baseline = now();
    Thread.sleep(1500);

    List<String> traffic = new ArrayList<>();
    for (int i = 0; i < FAST; i++) {
      traffic.add("http GET http://reviews:" + reviewsPort + "/fast-" + i);
    }
    for (int i = 0; i < SLOW_1500; i++) {
      traffic.add("http GET http://reviews:" + reviewsPort + "/slow?ms=1500");
    }
    for (int i = 0; i < SLOW_3500; i++) {
      traffic.add("http GET http://reviews:" + reviewsPort + "/slow?ms=3500");
    }
    for (int i = 0; i < RATINGS_OK; i++) {
      traffic.add("http GET http://ratings:" + ratingsPort + "/");
    }
    for (int i = 0; i < RATINGS_NOT_FOUND; i++) {
      traffic.add("http GET http://ratings:" + ratingsPort + "/missing-" + i);
    }
    for (int i = 0; i < RATINGS_NOT_IMPLEMENTED; i++) {
      traffic.add("http POST http://ratings:" + ratingsPort + "/");
    }
    traffic.add("tcp ratings " + ratingsTcpPort + " " + TCP_BYTES);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < traffic.size(); i += CONCURRENCY) {
      failures.addAll(runAll(traffic.subList(i, Math.min(traffic.size(), i + CONCURRENCY))));
    }
    assertThat(failures).as("every measured request got its answer").isEmpty();
    awaitScrapedAfter(now() + 1.5);
    end = now();
    System.out.printf("[dashboards] baseline %.3f, end %.3f, window %s%n", baseline, end, window());
  }

  @AfterAll
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    for (Process p : pythons) {
      p.destroy();
      p.waitFor();
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void requestsByResponseCodeCountEveryRequestOnBothReporters() throws Exception {
    for (String reporter : List.of("destination", "source")) {
      assertThat(increaseByCode(reporter, REVIEWS))
          .as("%s reports of reviews", reporter)
          .isEqualTo(Map.of("200", (double) FAST + SLOW_1500 + SLOW_3500));
      assertThat(increaseByCode(reporter, RATINGS))
          .as("%s reports of ratings", reporter)
          .isEqualTo(
              Map.of(
                  "200", (double) RATINGS_OK,
                  "404", (double) RATINGS_NOT_FOUND,
                  "501", (double) RATINGS_NOT_IMPLEMENTED));
    }
    // The dashboards' panel: requests per second by response code.
    Map<String, Double> rates =
        byLabel(
            "response_code",
            prometheus.query(
                "sum(rate(istio_requests_total{reporter=\"destination\",destination_service=\""
                    + RATINGS
                    + "\"}"
                    + window()
                    + ")) by (response_code)",
                end));
    double seconds = windowSeconds();
    assertThat(rates.keySet()).containsExactlyInAnyOrder("200", "404", "501");
    assertExtrapolated(rates.get("200") * seconds, RATINGS_OK);
    assertExtrapolated(rates.get("404") * seconds, RATINGS_NOT_FOUND);
    assertExtrapolated(rates.get("501") * seconds, RATINGS_NOT_IMPLEMENTED);
  }

  @Test
  void successRateIsTheShareOfNon5xxResponses() throws Exception {
    String selector = "reporter=\"destination\",destination_service=\"" + RATINGS + "\"";
    double successRate =
        single(
            "sum(rate(istio_requests_total{"
                + selector
                + ",response_code!~\"5.*\"}"
                + window()
                + ")) / sum(rate(istio_requests_total{"
                + selector
                + "}"
                + window()
                + "))");
    double total = RATINGS_OK + RATINGS_NOT_FOUND + RATINGS_NOT_IMPLEMENTED;
    assertThat(successRate).isCloseTo((RATINGS_OK + RATINGS_NOT_FOUND) / total, within(1e-9));
    double reviewsSuccess =
        single(
            "sum(rate(istio_requests_total{reporter=\"destination\",destination_service=\""
                + REVIEWS
                + "\",response_code!~\"5.*\"}"
                + window()
                + ")) / sum(rate(istio_requests_total{reporter=\"destination\","
                + "destination_service=\""
                + REVIEWS
                + "\"}"
                + window()
                + "))");
    assertThat(reviewsSuccess).isEqualTo(1.0);
  }

  /**
   * 8 fast, 24 of 1500 ms and 8 of 3500 ms: the 20th of 40 lies in the (1000, 2500] bucket, the
   * 36th and the 39.6th in (2500, 5000]; {@code histogram_quantile} interpolates inside the bucket.
   */
  @Test
  void durationQuantilesFallInTheBucketsOfTheKnownLatencies() throws Exception {
    for (String reporter : List.of("destination", "source")) {
      String buckets =
          "sum(rate(istio_request_duration_milliseconds_bucket{reporter=\""
              + reporter
              + "\",destination_service=\""
              + REVIEWS
              + "\"}"
              + window()
              + ")) by (le)";
      double p50 = single("histogram_quantile(0.5, " + buckets + ")");
      double p90 = single("histogram_quantile(0.9, " + buckets + ")");
      double p99 = single("histogram_quantile(0.99, " + buckets + ")");
      System.out.printf("[dashboards] %s p50 %.1f p90 %.1f p99 %.1f ms%n", reporter, p50, p90, p99);
      assertThat(p50).as("%s p50", reporter).isGreaterThan(1000).isLessThanOrEqualTo(2500);
      assertThat(p90).as("%s p90", reporter).isGreaterThan(2500).isLessThanOrEqualTo(5000);
      assertThat(p99).as("%s p99", reporter).isGreaterThan(2500).isLessThanOrEqualTo(5000);
      double count =
          delta(
              "sum(istio_request_duration_milliseconds_count{reporter=\""
                  + reporter
                  + "\",destination_service=\""
                  + REVIEWS
                  + "\"})");
      assertThat(count).isEqualTo(FAST + SLOW_1500 + SLOW_3500);
    }
  }

  /**
   * The agent's start-up line names the identity its certificates carry: the join token's service
   * account ({@code client}), not the settings' default ({@code default}), which would send a
   * reader looking for the wrong principal in these very metrics.
   */
  @Test
  void theAgentAnnouncesTheIdentityItsTokenGaveIt() {
    client.awaitOutput(
        "meshed \\S+ as \\S+ \\(" + Pattern.quote(CLIENT_PRINCIPAL) + "\\)", Duration.ofSeconds(5));
  }

  /**
   * Istio's Workload dashboard, "outgoing requests by destination workload": the caller's own
   * reports name the workload that answered and its principal, HTTP and TCP, an agent's and a
   * mesh-proxy's workload alike. They come from the endpoint metadata the control plane sends
   * ({@code istio.workload}) and the one service account its mutual TLS must present.
   */
  @Test
  void theSourceReporterNamesTheDestinationWorkloadAndPrincipal() throws Exception {
    String requests = "istio_requests_total{reporter=\"source\",source_workload=\"client\"}";
    assertThat(
            byLabel(
                    "destination_workload",
                    prometheus.query(
                        "sum(rate(" + requests + window() + ")) by (destination_workload)", end))
                .keySet())
        .containsExactlyInAnyOrder("reviews", "ratings");
    assertThat(
            byLabel(
                    "destination_principal",
                    prometheus.query("sum(" + requests + ") by (destination_principal)", end))
                .keySet())
        .containsExactlyInAnyOrder(
            "spiffe://cluster.local/ns/default/sa/reviews",
            "spiffe://cluster.local/ns/default/sa/ratings");
    assertThat(
            byLabel(
                    "destination_workload",
                    prometheus.query(
                        "sum(istio_tcp_connections_opened_total{reporter=\"source\","
                            + "source_workload=\"client\"}) by (destination_workload)",
                        end))
                .keySet())
        .containsExactly("ratings");
  }

  /**
   * One connection of {@value #TCP_BYTES} bytes echoed back, on both reporters. The caller is
   * selected by its principal, which mutual TLS proves on both sides (its workload name comes from
   * the TCP metadata exchange, which TcpMetadataExchangeTest covers).
   */
  @Test
  void tcpBytesAreTheBytesTheConnectionCarried() throws Exception {
    for (String reporter : List.of("destination", "source")) {
      String selector =
          "{reporter=\""
              + reporter
              + "\",destination_service=\""
              + RATINGS
              + "\",source_principal=\""
              + CLIENT_PRINCIPAL
              + "\"}";
      for (String metric :
          List.of("istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total")) {
        assertThat(delta("sum(" + metric + selector + ")"))
            .as("%s %s", reporter, metric)
            .isEqualTo(TCP_BYTES);
        // The dashboards' panel: bytes per second by source.
        Map<String, Double> rate =
            byLabel(
                "source_principal",
                prometheus.query(
                    "sum(rate(" + metric + selector + window() + ")) by (source_principal)", end));
        assertExtrapolated(rate.get(CLIENT_PRINCIPAL) * windowSeconds(), TCP_BYTES);
      }
      assertThat(delta("sum(istio_tcp_connections_opened_total" + selector + ")"))
          .as("%s connections opened", reporter)
          .isEqualTo(1);
      assertThat(delta("sum(istio_tcp_connections_closed_total" + selector + ")"))
          .as("%s connections closed", reporter)
          .isEqualTo(1);
    }
  }

  /**
   * What Prometheus scraped from the agent's and the proxy's metrics ports passes Prometheus's own
   * linter. Its one remark is Istio's name {@code istio_request_duration_milliseconds} (it wants
   * seconds), which the dashboards above need as it is.
   */
  @Test
  void whatPrometheusScrapedPassesPromtool() throws Exception {
    for (MeshedJvm jvm : List.of(client, reviews, ratings)) {
      String metrics = get(jvm.metricsUri());
      assertThat(metrics).as(jvm.name()).contains("istio_requests_total");
      Promtool.Result lint = Promtool.checkMetrics(metrics);
      assertThat(lint.exitCode()).as("%s: promtool said %s", jvm.name(), lint.output()).isIn(0, 3);
      assertThat(lint.output().lines())
          .as(jvm.name())
          .allMatch(line -> line.equals(Promtool.ISTIO_DURATION_UNIT_REMARK));
    }
  }

  // ---- helpers ----

  private static String get(URI uri) throws Exception {
    return HttpClient.newBuilder()
        .proxy(ProxySelector.of(null))
        .build()
        .send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private Map<String, Double> increaseByCode(String reporter, String service) throws Exception {
    String q =
        "sum(istio_requests_total{reporter=\""
            + reporter
            + "\",destination_service=\""
            + service
            + "\"}) by (response_code)";
    Map<String, Double> before = byLabel("response_code", prometheus.query(q, baseline));
    Map<String, Double> after = byLabel("response_code", prometheus.query(q, end));
    Map<String, Double> increase = new TreeMap<>();
    after.forEach(
        (code, v) -> {
          double d = v - before.getOrDefault(code, 0.0);
          if (d != 0) {
            increase.put(code, d);
          }
        });
    return increase;
  }

  /** An instant query's single value at the end minus at the baseline. */
  private double delta(String promql) throws Exception {
    return single(promql, end) - single(promql, baseline);
  }

  private double single(String promql) throws Exception {
    return single(promql, end);
  }

  private double single(String promql, double at) throws Exception {
    List<PrometheusServer.Sample> samples = prometheus.query(promql, at);
    assertThat(samples).as(promql).hasSize(1);
    return samples.get(0).value();
  }

  private static Map<String, Double> byLabel(String label, List<PrometheusServer.Sample> samples) {
    Map<String, Double> m = new TreeMap<>();
    samples.forEach(s -> m.put(s.labels().get(label), s.value()));
    return m;
  }

  /**
   * {@code rate × window} against the exact count: Prometheus extrapolates each series to the
   * window's edges by at most about one scrape interval (1 s) on each side.
   */
  private void assertExtrapolated(double estimated, double exact) {
    double seconds = windowSeconds();
    assertThat(estimated).isBetween(exact * 0.999, exact * (seconds + 2.5) / seconds);
  }

  private String window() {
    return "[" + windowSeconds() + "s]";
  }

  /** The window since the baseline, whole seconds: {@code rate} divides by exactly this. */
  private long windowSeconds() {
    return (long) Math.ceil(end - baseline);
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  /** Waits until Prometheus's last scrape of every target began after {@code epochSeconds}. */
  private void awaitScrapedAfter(double epochSeconds) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      List<PrometheusServer.Sample> ups = prometheus.query("timestamp(up == 1)", now());
      if (ups.size() == 3 && ups.stream().allMatch(s -> s.value() > epochSeconds)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("prometheus did not scrape all three workloads: " + ups);
      }
      Thread.sleep(250);
    }
  }

  /** Sends every command at once (the client runs each on its own thread); the failures. */
  private List<String> runAll(List<String> commands) {
    List<String> ids = new ArrayList<>();
    for (String c : commands) {
      String id = "d" + (++this.commands);
      ids.add(id);
      client.send(id + " " + c);
    }
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      Matcher m =
          client.awaitOutput("RESULT " + ids.get(i) + " (ok|error) ?(.*)", Duration.ofSeconds(60));
      String expected = commands.get(i).startsWith("http POST") ? "status=501" : "";
      if (commands.get(i).contains("/missing")) {
        expected = "status=404";
      } else if (commands.get(i).startsWith("http GET")) {
        expected = "status=200";
      }
      if (!m.group(1).equals("ok") || !m.group(2).contains(expected)) {
        failures.add(commands.get(i) + " -> " + m.group());
      }
    }
    return failures;
  }

  /** Retries {@code command} until it answers ok with {@code expected} in its details. */
  private void awaitOk(String command, String expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      String id = "w" + (++commands);
      client.send(id + " " + command);
      Matcher m = client.awaitOutput("RESULT " + id + " (ok|error) ?(.*)", Duration.ofSeconds(60));
      if (m.group(1).equals("ok") && m.group(2).contains(expected)) {
        return;
      }
      last = m.group();
      Thread.sleep(500);
    }
    throw new AssertionError(command + " never answered " + expected + "; last: " + last);
  }

  private MeshedJvm startMeshed(MeshedJvm.Builder server, int port) {
    String last = "";
    for (int attempt = 1; attempt <= 3; attempt++) {
      MeshedJvm jvm = jvms.start(server);
      Matcher m =
          jvm.awaitOutput(
              "the engine took over 127\\.0\\.0\\.1:" + port + "|the engine did not start.*",
              STARTUP);
      if (m.group().startsWith("the engine took over")) {
        return jvm;
      }
      last = m.group();
      jvm.terminate();
    }
    throw new AssertionError(server + " came up unmeshed three times: " + last);
  }

  private Process python(Path dir, String... command) throws Exception {
    return new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(
            work.resolve(command[1].replace("-", "") + pythons.size() + ".log").toFile())
        .start();
  }

  /** A TCP echo server in Python: every byte received is sent back, on each connection. */
  private static final String TCP_ECHO =
      """
      import socket, sys, threading
      server = socket.socket()
      server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      server.bind(("127.0.0.1", int(sys.argv[1])))
      server.listen(16)
      def echo(conn):
          with conn:
              while True:
                  data = conn.recv(65536)
                  if not data:
                      return
                  conn.sendall(data)
      while True:
          conn, _ = server.accept()
          threading.Thread(target=echo, args=(conn,), daemon=True).start()
      """;
}
