package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real control-plane.jar and an application with mesh.jar: the agent's xDS client, running
 * on the relocated gRPC and protobuf inside mesh.jar, opens an ADS stream, announces its node and
 * applies all of bookinfo's configuration; what it cannot apply (a rate limit with one bucket per
 * connection) it NACKs by name, and the control plane records that.
 */
// The last test breaks the configuration on purpose; the others need it whole.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneConnectionTest {

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  @TempDir static Path configDir;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static MeshedJvm controlPlane;
  private static MeshedJvm app;
  private static int debugPort;

  @BeforeAll
  static void start() throws IOException {
    try (InputStream services =
        ControlPlaneConnectionTest.class.getResourceAsStream("/mesh-config/services.yaml")) {
      Files.copy(services, configDir.resolve("services.yaml"));
    }
    controlPlane = jvms.start(MeshedJvm.java("control-plane")
        .jar(MeshPaths.controlPlaneJar())
        .args("--config-dir", configDir.toString(), "--xds-port", "0", "--http-port", "0")
        .withoutAgent());
    Matcher ports = controlPlane.awaitOutput(
        "xDS on 127\\.0\\.0\\.1:(\\d+), HTTP on 127\\.0\\.0\\.1:(\\d+)", Timeouts.STARTUP);
    debugPort = Integer.parseInt(ports.group(2));
    app = jvms.start(MeshedJvm.java("productpage")
        .testApp("socket-app").args("http", "0").withAgent()
        .env("MESH_CONTROL_PLANE", "127.0.0.1:" + ports.group(1))
        // The address of productpage's WorkloadEntry: the control plane then sends this
        // workload its inbound listener for port 9080.
        .env("MESH_WORKLOAD_ADDRESS", "127.0.0.11"));
    app.awaitReady(Timeouts.STARTUP);
  }

  @Test
  @Order(1)
  void theAgentConnectsAndTheControlPlaneSeesItsNode() {
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> app.httpGet("config_dump").body().contains("\"connected\": true"));
    String nodeId = "sidecar~127.0.0.11~productpage-" + app.pid() + ".default~";
    Awaitility.await().atMost(Timeouts.WORK).until(() -> syncz().contains(nodeId));
  }

  @Test
  @Order(2)
  void everyResourceOfBookinfoIsAppliedAndItsClustersHaveTheirHosts() throws Exception {
    Pattern routesApplied =
        Pattern.compile("\"ROUTE_CONFIGURATION\": \\{\\s+\"version\": \"[1-9]");
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> routesApplied.matcher(app.httpGet("config_dump").body()).find());
    String dump = app.httpGet("config_dump").body();
    for (String type : new String[] {"LISTENER", "ROUTE_CONFIGURATION", "CLUSTER",
        "CLUSTER_LOAD_ASSIGNMENT"}) {
      assertThat(dump).containsPattern(
          "\"" + type + "\": \\{\\s+\"version\": \"[1-9][0-9]*\",[^}]*\"lastRejection\": \"\"");
    }
    // The clusters' runtime picked reviews' three WorkloadEntries up as hosts.
    Matcher reviews = Pattern.compile(
        "\"outbound\\|9080\\|\\|reviews\\.default\\.svc\\.cluster\\.local\": \\{[^]]*\\]")
        .matcher(dump);
    assertThat(reviews.find()).isTrue();
    assertThat(reviews.group()).contains("\"lbPolicy\": \"ROUND_ROBIN\"")
        .contains("127.0.0.13:9080", "127.0.0.14:9080", "127.0.0.15:9080");
    // 4 services, virtualOutbound and the inbound listener of productpage's port 9080 at least.
    Matcher listeners = Pattern.compile("\"LISTENER\": \\{[^}]*\"resources\": (\\d+)")
        .matcher(dump);
    assertThat(listeners.find()).isTrue();
    assertThat(Integer.parseInt(listeners.group(1))).isGreaterThanOrEqualTo(6);
    assertThat(syncz()).doesNotContain("NACK");
  }

  @Test
  @Order(3)
  void hostileFilesInTheConfigDirectoryAreRefusedByNameAndTheRestIsStillServed()
      throws Exception {
    Path huge = configDir.resolve("huge.yaml");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(100L << 20); // sparse: refused by its size before it is read
    }
    StringBuilder laughs = new StringBuilder("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int level = 1; level <= 9; level++) {
      laughs.append("l").append(level).append(": &l").append(level).append(" [")
          .append(String.join(", ", java.util.Collections.nCopies(8, "*l" + (level - 1))))
          .append("]\n");
    }
    Files.writeString(configDir.resolve("laughs.yaml"), laughs);
    Files.writeString(configDir.resolve("deep.yaml"),
        "a: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n");
    Files.write(configDir.resolve("binary.yaml"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1});
    // Written last: once it is served, the control plane has been through the others.
    Files.writeString(configDir.resolve("ratings-dr.yaml"), String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: ratings-after-hostile-files}",
        "spec: {host: ratings, subsets: [{name: v1, labels: {version: v1}}]}",
        ""));
    try {
      Awaitility.await().atMost(Timeouts.WORK).until(() -> {
        String configz = debug("/debug/configz");
        return configz.contains("ratings-after-hostile-files")
            && configz.contains("huge.yaml: is 104857600 bytes, over the limit")
            && configz.contains("laughs.yaml:") && configz.contains("deep.yaml:1:")
            && configz.contains("binary.yaml:1: is not UTF-8 text");
      });
      String configz = debug("/debug/configz");
      // Bookinfo is still served whole: its WorkloadEntries are all there.
      assertThat(configz).contains("reviews-v1", "reviews-v2", "reviews-v3", "productpage-v1");
      assertThat(debug("/ready")).isEqualTo("ready\n");
    } finally {
      for (String name : new String[] {"huge.yaml", "laughs.yaml", "deep.yaml", "binary.yaml",
          "ratings-dr.yaml"}) {
        Files.deleteIfExists(configDir.resolve(name));
      }
    }
  }

  @Test
  @Order(4)
  void aResourceTheDataPathCannotApplyIsNackedByNameAndTheControlPlaneShowsIt()
      throws Exception {
    // A rate limit with one bucket per downstream connection: the control plane passes Envoy's
    // filter on, the data path keeps one bucket per chain, so it must refuse that listener by
    // name rather than pretend.
    Files.writeString(configDir.resolve("ratelimit.yaml"), String.join("\n",
        "apiVersion: networking.istio.io/v1alpha3",
        "kind: EnvoyFilter",
        "metadata: {name: per-connection, namespace: default}",
        "spec:",
        "  configPatches:",
        "  - applyTo: HTTP_FILTER",
        "    match:",
        "      context: SIDECAR_INBOUND",
        "      listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager}}}",
        "    patch:",
        "      operation: INSERT_BEFORE",
        "      value:",
        "        name: envoy.filters.http.local_ratelimit",
        "        typed_config:",
        "          \"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        "          stat_prefix: per_connection",
        "          token_bucket: {max_tokens: 5, tokens_per_fill: 5, fill_interval: 1s}",
        "          local_rate_limit_per_downstream_connection: true",
        ""));
    Pattern rejected = Pattern.compile("\"lastRejection\": \"(LDS resource '[^']+': [^\"]+)\"");
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> rejected.matcher(app.httpGet("config_dump").body()).find());
    Matcher rejection = rejected.matcher(app.httpGet("config_dump").body());
    assertThat(rejection.find()).isTrue();
    assertThat(rejection.group(1)).contains("local_rate_limit_per_downstream_connection");
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> syncz().contains("local_rate_limit_per_downstream_connection"));
  }

  private static String syncz() throws IOException, InterruptedException {
    return debug("/debug/syncz");
  }

  private static String debug(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + debugPort + path))
            .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
