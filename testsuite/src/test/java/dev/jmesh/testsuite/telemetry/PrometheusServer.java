package dev.jmesh.testsuite.telemetry;

import dev.jmesh.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) for one test: a configuration the
 * test writes, storage in a temporary directory, the web API on an ephemeral loopback port, and
 * every target scraped each second. Queries go through its HTTP API, as Grafana's do.
 */
final class PrometheusServer implements AutoCloseable {

  /** A scrape target: a job name and the URL of its metrics. */
  record Target(String job, URI metrics) {}

  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final Process process;
  private final URI api;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder()
          .proxy(java.net.ProxySelector.of(null))
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private PrometheusServer(Process process, URI api, Path log) {
    this.process = process;
    this.api = api;
    this.log = log;
  }

  /** Starts Prometheus scraping {@code targets} every second; returns once it is ready. */
  static PrometheusServer start(Path work, List<Target> targets) throws Exception {
    Path dir = Files.createDirectories(work.resolve("prometheus"));
    StringBuilder config =
        new StringBuilder(
            """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
            """);
    for (Target t : targets) {
      config.append(
          """
            - job_name: %s
              metrics_path: %s
              static_configs:
                - targets: ['%s']
          """
              .formatted(t.job(), t.metrics().getPath(), t.metrics().getAuthority()));
    }
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int port = FreePorts.loopback();
    Path log = dir.resolve("prometheus.log");
    Process process =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server =
        new PrometheusServer(process, URI.create("http://127.0.0.1:" + port + "/"), log);
    server.awaitReady();
    return server;
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "prometheus exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> r = get("-/ready");
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("prometheus not ready within " + STARTUP + ": " + last);
  }

  /** The result of an instant query at {@code epochSeconds}: each series' labels and value. */
  List<Sample> query(String promql, double epochSeconds) throws Exception {
    HttpResponse<String> r =
        get(
            "api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&time="
                + String.format(java.util.Locale.ROOT, "%.3f", epochSeconds));
    if (r.statusCode() != 200) {
      throw new AssertionError(
          "prometheus refused " + promql + ": " + r.statusCode() + " " + r.body());
    }
    Map<?, ?> json = (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(r.body());
    Map<?, ?> data = (Map<?, ?>) json.get("data");
    List<Sample> samples = new ArrayList<>();
    if (!"vector".equals(data.get("resultType"))) {
      throw new AssertionError(promql + ": expected a vector, got " + r.body());
    }
    for (Object o : (List<?>) data.get("result")) {
      Map<?, ?> series = (Map<?, ?>) o;
      Map<String, String> labels = new LinkedHashMap<>();
      ((Map<?, ?>) series.get("metric"))
          .forEach((k, v) -> labels.put(String.valueOf(k), String.valueOf(v)));
      List<?> value = (List<?>) series.get("value");
      samples.add(new Sample(labels, Double.parseDouble(String.valueOf(value.get(1)))));
    }
    return samples;
  }

  /** One series of a query's answer. */
  record Sample(Map<String, String> labels, double value) {}

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
