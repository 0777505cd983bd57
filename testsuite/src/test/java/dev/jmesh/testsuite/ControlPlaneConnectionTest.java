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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real control-plane.jar and an application with mesh.jar: the agent's xDS client, running
 * on the relocated gRPC and protobuf inside mesh.jar, opens an ADS stream, announces its node and
 * applies what it can of the push; what it cannot apply it NACKs by name, and the control plane
 * records that.
 */
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
        .env("MESH_CONTROL_PLANE", "127.0.0.1:" + ports.group(1)));
    app.awaitReady(Timeouts.STARTUP);
  }

  @Test
  void theAgentConnectsAndTheControlPlaneSeesItsNode() {
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> app.httpGet("config_dump").body().contains("\"connected\": true"));
    String nodeId = "sidecar~127.0.0.1~productpage-" + app.pid() + ".default~";
    Awaitility.await().atMost(Timeouts.WORK).until(() -> syncz().contains(nodeId));
  }

  @Test
  void goodResourcesAreAppliedAndTheOthersNackedByName() throws Exception {
    Pattern routesApplied =
        Pattern.compile("\"ROUTE_CONFIGURATION\": \\{\\s+\"version\": \"1\"");
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> routesApplied.matcher(app.httpGet("config_dump").body()).find());
    String dump = app.httpGet("config_dump").body();
    assertThat(dump).containsPattern("\"CLUSTER_LOAD_ASSIGNMENT\": \\{\\s+\"version\": \"1\"");

    // A rejection names the resource type, the resource and the field; the control plane got it
    // as the NACK's error_detail and shows it on /debug/syncz.
    Matcher rejection = Pattern.compile("\"lastRejection\": \"([^\"]+)\"").matcher(dump);
    String sync = syncz();
    while (rejection.find()) {
      assertThat(rejection.group(1)).matches("(LDS|CDS|RDS|EDS) resource '[^']+': .+");
      assertThat(sync).contains(rejection.group(1));
    }
  }

  private static String syncz() throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + debugPort + "/debug/syncz"))
            .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
