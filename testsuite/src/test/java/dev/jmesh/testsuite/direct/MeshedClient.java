package dev.jmesh.testsuite.direct;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testing.PrometheusText;
import dev.jmesh.testsuite.engine.ClientDriver;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * The client under test in the client suites: {@code http-clients-app <library>} with the agent,
 * identity {@code sa/client}, ONE pooled client of the library; and what tests do with it — send,
 * burst, put a {@code reviews} config in force (waiting on its probe), read the request counters.
 */
final class MeshedClient {

  static final String REQUESTS = "jmesh_agent_requests_total";

  private final ClientDriver driver;
  private final String library;

  private MeshedClient(ClientDriver driver, String library) {
    this.driver = driver;
    this.library = library;
  }

  /**
   * Forks the client JVM on {@code jdk}, with {@code jvmFlags} after the standard ones, and waits
   * until its app says it is ready.
   */
  static MeshedClient start(
      ForkedJvms jvms, MeshControlPlane controlPlane, String library, Jdk jdk, String... jvmFlags)
      throws IOException {
    return start(jvms, controlPlane, library, library, jdk, jvmFlags);
  }

  /**
   * {@code http-clients-app <app>} whose requests the agent counts under {@code library} (the
   * WebClient app's requests are Reactor Netty's).
   */
  static MeshedClient start(
      ForkedJvms jvms,
      MeshControlPlane controlPlane,
      String app,
      String library,
      Jdk jdk,
      String... jvmFlags)
      throws IOException {
    MeshedJvm jvm =
        jvms.start(
            MeshedJvm.java("client")
                .jdk(jdk)
                .jvmFlags(jvmFlags)
                .testApp("http-clients-app")
                .args(app)
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                .env("MESH_LABELS", "app=client,version=v1"));
    jvm.awaitOutput("READY http-clients " + app, MeshControlPlane.STARTUP);
    return new MeshedClient(new ClientDriver(jvm), library);
  }

  String library() {
    return library;
  }

  MeshedJvm jvm() {
    return driver.jvm();
  }

  ClientDriver.Result run(String command, Duration timeout) {
    return driver.run(command, timeout);
  }

  ClientDriver.Result run(String command) {
    return driver.run(command);
  }

  ClientDriver.Result send(String method, String url, String... options) {
    return driver.run("send " + method + " " + url + " " + String.join(" ", options));
  }

  /** A {@code burst} command that must answer {@code ok} within {@code timeout}. */
  ClientDriver.Result burst(
      Duration timeout, int n, int concurrency, String method, String url, String... options) {
    ClientDriver.Result r =
        driver.run(
            "burst "
                + n
                + " "
                + concurrency
                + " "
                + method
                + " "
                + url
                + " "
                + String.join(" ", options),
            timeout);
    assertThat(r.ok()).as(r.toString()).isTrue();
    return r;
  }

  /**
   * Writes the {@code reviews} config (service, {@code pods}, DestinationRule with {@code
   * trafficPolicy}, a VirtualService with the probe {@code probe} before {@code routes}), waits
   * until the client sees it, and zeroes the pods' counters.
   */
  void configure(
      MeshControlPlane controlPlane,
      List<Backend> pods,
      String probe,
      String trafficPolicy,
      String routes) {
    configure(
        controlPlane, pods, probe, trafficPolicy, routes, "http", ReviewsPolicies.PROBE_STATUS);
  }

  /**
   * As above, for a service whose port is named {@code portName} and whose probe answers {@code
   * probeStatus} (a gRPC client cannot tell 418 from other unknown statuses).
   */
  void configure(
      MeshControlPlane controlPlane,
      List<Backend> pods,
      String probe,
      String trafficPolicy,
      String routes,
      String portName,
      int probeStatus) {
    try {
      controlPlane.apply(
          "reviews",
          ReviewsPolicies.service(pods, trafficPolicy, portName)
              + ReviewsPolicies.withProbe(probe, routes, probeStatus));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    await().until(() -> probeStatus(probe) == probeStatus);
    for (Backend b : pods) {
      b.clearCounts();
    }
  }

  /** The status a request carrying {@code probe} gets: 418 once that probe's config is in force. */
  int probeStatus(String probe) {
    return send("GET", reviews(), ReviewsPolicies.PROBE_HEADER + ":" + probe).status();
  }

  PrometheusText metrics() {
    return driver.jvm().metrics();
  }

  /** {@code jmesh_agent_requests_total{library,path}} so far. */
  double requests(String path) {
    return metrics().samples(REQUESTS, "library", library, "path", path).stream()
        .mapToDouble(PrometheusText.Sample::value)
        .sum();
  }

  static String reviews() {
    return "http://" + ReviewsPolicies.HOST + ":" + ReviewsPolicies.PORT + "/";
  }

  static ConditionFactory await() {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions();
  }
}
