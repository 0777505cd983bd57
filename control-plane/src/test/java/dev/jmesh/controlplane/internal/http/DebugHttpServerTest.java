package dev.jmesh.controlplane.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.ads.AdsTestClient;
import dev.jmesh.controlplane.internal.config.TestMesh;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.net.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebugHttpServerTest {
  @TempDir Path dir;
  ControlPlane cp;
  final HttpClient http = HttpClient.newBuilder()
      .proxy(new java.net.ProxySelector() {
        @Override
        public java.util.List<Proxy> select(URI uri) {
          return java.util.List.of(Proxy.NO_PROXY);
        }

        @Override
        public void connectFailed(URI uri, java.net.SocketAddress sa, java.io.IOException e) {}
      })
      .build();

  @BeforeEach
  void start() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    cp = ControlPlane.builder().configDir(dir).xdsPort(0).httpPort(0).build().start();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyAndMetrics() throws Exception {
    assertThat(get("/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.body()).contains("pilot_xds 0", "pilot_services 4", "jmesh_config_errors 0");
  }

  @Test
  void syncAndConfigDumpOfAConnectedProxy() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "reviews-v1.default", "default")) {
      client.subscribe(TypeUrls.CLUSTER);
      client.ack(client.next(Duration.ofSeconds(15)));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(get("/debug/syncz").body())
              .contains("\"proxyID\": \"reviews-v1.default\"", "\"CDS\"",
                  "\"status\": \"SYNCED\""));
      HttpResponse<String> dump = get("/debug/config_dump?proxyID=reviews-v1.default");
      assertThat(dump.statusCode()).isEqualTo(200);
      assertThat(dump.body()).contains("\"connected\": true",
          "outbound|9080|v2|reviews.default.svc.cluster.local",
          "\"routeConfigName\": \"reviews.default.svc.cluster.local:9080\"");
    }
    assertThat(get("/debug/config_dump").statusCode()).isEqualTo(400);
  }

  /** Adds a service, which changes every proxy's clusters, and reloads. */
  private void addService(String host) throws Exception {
    TestMesh.write(dir, host + ".yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: " + host.replace('.', '-') + "}",
        "spec:",
        "  hosts: [" + host + "]",
        "  ports: [{number: 80, name: http}]",
        "  resolution: STATIC",
        "  endpoints: [{address: 127.0.0.40}]",
        ""));
    cp.reload();
  }

  @Test
  void convergenceTimeOnMetricsAndNackOnSyncz() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "reviews-v1.default", "default")) {
      client.subscribe(TypeUrls.CLUSTER);
      client.ack(client.next(Duration.ofSeconds(15)));
      // The first answer is not a push: no convergence sample yet.
      assertThat(get("/metrics").body()).contains("pilot_proxy_convergence_time_count 0");

      addService("one.internal");
      DiscoveryResponse pushed = client.next(Duration.ofSeconds(15));
      client.ack(pushed);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(get("/metrics").body()).contains(
              "pilot_proxy_convergence_time_count 1",
              "pilot_proxy_convergence_time_bucket{le=\"+Inf\"} 1"));

      addService("two.internal");
      DiscoveryResponse rejected = client.next(Duration.ofSeconds(15));
      client.nack(rejected, pushed.getVersionInfo(), "cluster rejected: pretend");
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(get("/debug/syncz").body()).contains(
              "\"status\": \"NACKED\"",
              "\"nacked\": \"" + rejected.getVersionInfo() + "\"",
              "\"acked\": \"" + pushed.getVersionInfo() + "\"",
              "\"error\": \"cluster rejected: pretend\""));
      assertThat(get("/metrics").body()).contains("pilot_total_xds_rejects 1",
          "pilot_proxy_convergence_time_count 1");
    }
  }

  @Test
  void registryz() throws Exception {
    assertThat(get("/debug/registryz").body()).contains(
        "\"hostname\": \"reviews.default.svc.cluster.local\"", "\"address\": \"127.0.0.14\"",
        "\"version\": \"v2\"", "WorkloadEntry default/reviews-v2");
  }
}
