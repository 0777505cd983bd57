package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.HttpResult;
import dev.jmesh.testing.MeshedJvm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin endpoint as operators use it: two meshed JVMs on one host, each with its own node ID,
 * the second falling back to a free admin port; {@code /quitquitquit} ends the data path while the
 * application keeps serving.
 */
class AdminEndpointTest {

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void aSecondMeshedJvmOnTheHostFallsBackToAFreeAdminPortAndSaysSo() throws IOException {
    int taken = FreePorts.loopback();
    MeshedJvm first = jvms.start(httpApp("admin-first").env("MESH_ADMIN_PORT", "" + taken));
    first.awaitReady(Timeouts.STARTUP);
    assertThat(first.adminUri().getPort()).isEqualTo(taken);

    MeshedJvm second = jvms.start(httpApp("admin-second").env("MESH_ADMIN_PORT", "" + taken));
    second.awaitReady(Timeouts.STARTUP);
    assertThat(second.adminUri().getPort()).isNotEqualTo(taken);
    assertThat(second.linesMatching("^\\[jmesh\\] WARN admin port " + taken + " is taken"))
        .hasSize(1);

    String firstNode = nodeId(first);
    String secondNode = nodeId(second);
    assertThat(firstNode).contains("~admin-first-" + first.pid() + ".default~");
    assertThat(secondNode).contains("~admin-second-" + second.pid() + ".default~");
  }

  @Test
  void quitquitquitEndsTheDataPathAndTheApplicationKeepsServing() throws Exception {
    MeshedJvm app = jvms.start(httpApp("admin-quit"));
    app.awaitReady(Timeouts.STARTUP);
    int port = Integer.parseInt(app.awaitOutput("READY port=(\\d+)", Timeouts.STARTUP).group(1));
    assertThat(get(port)).isEqualTo(200);
    app.awaitMetric(
        "jmesh_agent_connections_total",
        n -> n == 1,
        Timeouts.METRIC,
        "direction",
        "inbound",
        "port",
        "" + port);

    assertThat(app.httpGet("quitquitquit").status()).as("GET is refused").isEqualTo(405);
    assertThat(app.httpPost("quitquitquit").status()).isEqualTo(200);

    URI admin = app.adminUri();
    Awaitility.await().atMost(Timeouts.WORK).until(() -> !answers(admin.resolve("ready")));
    assertThat(get(port)).as("the application still serves").isEqualTo(200);
    assertThat(app.linesMatching("data path ended by /quitquitquit")).hasSize(1);
    assertThat(app.isAlive()).isTrue();
  }

  private static MeshedJvm.Builder httpApp(String name) {
    return MeshedJvm.java(name).testApp("socket-app").args("http", "0").withAgent();
  }

  private static String nodeId(MeshedJvm jvm) {
    HttpResult dump = jvm.httpGet("config_dump");
    assertThat(dump.status()).isEqualTo(200);
    java.util.regex.Matcher id =
        java.util.regex.Pattern.compile("\"id\": \"([^\"]+)\"").matcher(dump.body());
    assertThat(id.find()).as("node id in %s", dump.body()).isTrue();
    return id.group(1);
  }

  private static int get(int port) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static boolean answers(URI uri) {
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
