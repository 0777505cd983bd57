package dev.jmesh.testsuite.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testsuite.engine.ClientDriver;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import java.io.IOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The meshed client of the fault tests: {@code http-clients-app okhttp} with the agent, identity
 * {@code sa/client}, one pooled OkHttp client; sends timed requests to {@code catalog} and reads
 * the agent's view of its endpoints from the admin endpoint's {@code /config_dump}.
 */
final class MeshedCaller {

  /** One request: what came back and how long the application waited for it. */
  record Call(ClientDriver.Result result, long elapsedMs) {

    String pod() {
      String body = result.body();
      return body.startsWith("pod=") ? body.lines().findFirst().orElse("").substring(4) : "";
    }
  }

  private final ClientDriver driver;

  private MeshedCaller(ClientDriver driver) {
    this.driver = driver;
  }

  static MeshedCaller start(ForkedJvms jvms, MeshControlPlane controlPlane) throws IOException {
    MeshedJvm jvm =
        jvms.start(
            MeshedJvm.java("client")
                .testApp("http-clients-app")
                .args("okhttp")
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                .env("MESH_LABELS", "app=client,version=v1"));
    jvm.awaitOutput("READY http-clients okhttp", MeshControlPlane.STARTUP);
    return new MeshedCaller(new ClientDriver(jvm));
  }

  MeshedJvm jvm() {
    return driver.jvm();
  }

  /** A GET of {@code catalog}, timed from the test (the command's round trip included). */
  Call get(String... headers) {
    return getPath("", headers);
  }

  /** A GET of {@code catalog}'s {@code path} (relative), timed as {@link #get}. */
  Call getPath(String path, String... headers) {
    long start = System.nanoTime();
    ClientDriver.Result r =
        driver.run(
            "send GET " + FaultyService.url() + path + " " + String.join(" ", headers),
            Duration.ofSeconds(20));
    return new Call(r, Duration.ofNanos(System.nanoTime() - start).toMillis());
  }

  /** Whether the config carrying {@code probe} is in force (its probe route answers 418). */
  boolean inForce(String probe) {
    return get(FaultyService.PROBE_HEADER + ":" + probe).result().status() == 418;
  }

  /**
   * Whether the agent has ejected the endpoint {@code ip:port} in any of its clusters ({@code
   * /config_dump}, {@code xds.clusters.*.hosts[]}, as Envoy's {@code /clusters} shows it).
   */
  boolean ejected(String ip, int port) {
    String dump = driver.jvm().httpGet("config_dump").body();
    Matcher m =
        Pattern.compile(
                "\"address\":\\s*\""
                    + Pattern.quote(ip + ":" + port)
                    + "\"[^}]*?\"ejected\":\\s*(true|false)")
            .matcher(dump);
    boolean found = false;
    while (m.find()) {
      found = true;
      if (m.group(1).equals("true")) {
        return true;
      }
    }
    assertThat(found).as("endpoint " + ip + ":" + port + " in /config_dump:\n" + dump).isTrue();
    return false;
  }
}
