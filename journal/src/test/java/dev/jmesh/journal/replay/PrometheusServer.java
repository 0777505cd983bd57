package dev.jmesh.journal.replay;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's package) with its remote-write receiver on, on a loopback port of its
 * own, storing into a temporary directory; {@link #close} ends it.
 */
final class PrometheusServer implements AutoCloseable {

  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private PrometheusServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static boolean installed() {
    return Files.isExecutable(Path.of("/usr/bin/prometheus"));
  }

  static PrometheusServer start(Path dir) throws Exception {
    Path config =
        Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1h\n");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p =
        new ProcessBuilder(
                List.of(
                    "/usr/bin/prometheus",
                    "--web.enable-remote-write-receiver",
                    "--storage.tsdb.path=" + dir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--config.file=" + config))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
      }
      try {
        HttpResponse<String> ready =
            server.http.send(
                HttpRequest.newBuilder(URI.create(server.base() + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    server.close();
    throw new IllegalStateException("prometheus not ready within 60 s");
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  String remoteWriteUrl() {
    return base() + "/api/v1/write";
  }

  /** The raw JSON answer of an instant query. */
  String query(String promql) throws Exception {
    String url =
        base() + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(promql + ": HTTP " + response.statusCode() + response.body());
    }
    return response.body();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
