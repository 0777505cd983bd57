package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshedJvm;
import java.io.File;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trace context crosses a meshed JVM whose code forwards no headers: a meshed client calls a middle
 * service with a W3C {@code traceparent}, B3 and {@code x-request-id}; the middle service's handler
 * calls a third service with a fresh request ({@code /forward}), and the third sees the same trace
 * with the middle's outbound span as parent. Two middles: the JDK's HttpServer calling with the
 * JDK's HttpClient, and Tomcat (a servlet) calling with HttpURLConnection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracePropagationTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private ClientDriver client;
  private int lastPort;
  private int jdkPort;
  private int tomcatPort;
  private MeshedJvm[] servers;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-trace");
    controlPlane = MeshControlPlane.start(jvms, work);
    lastPort = FreePorts.loopback();
    jdkPort = FreePorts.loopback();
    tomcatPort = FreePorts.loopback();
    MeshedJvm last = server("trace-last", "jdk", lastPort);
    MeshedJvm jdk = server("trace-jdk", "jdk", jdkPort);
    MeshedJvm tomcat = server("trace-tomcat", "tomcat", tomcatPort);
    client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java("client")
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                    .env("MESH_LABELS", "app=client,version=v1")));
    servers = new MeshedJvm[] {last, jdk, tomcat};
    for (MeshedJvm s : servers) {
      s.awaitOutput("READY kind=\\w+ port=\\d+", MeshControlPlane.STARTUP);
    }
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    AbstractMeshedServerTest.await()
        .until(() -> client.run("http GET http://trace-last:" + lastPort + "/").status() == 200);
  }

  private MeshedJvm server(String service, String kind, int port) throws Exception {
    return jvms.start(
        MeshedJvm.java(service)
            .testApp("mesh-servers-app")
            .args(kind, "127.0.0.1", Integer.toString(port))
            .withAgent()
            .env("MESH_CONTROL_PLANE", controlPlane.address())
            .env("MESH_TOKEN_FILE", controlPlane.token("default", service).toString())
            .env("MESH_LABELS", "app=" + service + ",version=v1")
            .env("MESH_SERVICE_PORTS", "http:" + port));
  }

  @AfterAll
  void removeWork() throws Exception {
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void theJdkServersHandlerCarriesTheTraceIntoItsJdkHttpClientCall() {
    assertTraceContinued("trace-jdk", jdkPort, "jdk-httpclient");
  }

  @Test
  void aServletCarriesTheTraceIntoItsHttpUrlConnectionCall() {
    assertTraceContinued("trace-tomcat", tomcatPort, "jdk-urlconnection");
  }

  /**
   * Prometheus's own linter accepts what every meshed JVM serves on {@code /stats/prometheus},
   * Istio series included. Its one remark is Istio's metric name {@code
   * istio_request_duration_milliseconds} (promtool wants seconds), which Istio's dashboards need as
   * it is; anything else, or output it cannot parse, fails.
   */
  @Test
  void everyMeshedJvmsMetricsPassPromtool() throws Exception {
    for (MeshedJvm jvm : new MeshedJvm[] {client.jvm(), servers[0], servers[1], servers[2]}) {
      String metrics = jvm.httpGet("stats/prometheus").body();
      assertThat(metrics).as(jvm.name()).contains("jmesh_agent_");
      Promtool.Result lint = Promtool.checkMetrics(metrics);
      assertThat(lint.exitCode()).as("%s: promtool said %s", jvm.name(), lint.output()).isIn(0, 3);
      assertThat(lint.output().lines())
          .as(jvm.name())
          .allMatch(line -> line.equals(Promtool.ISTIO_DURATION_UNIT_REMARK));
    }
    // The callers and the called name the series promtool read.
    assertThat(client.jvm().httpGet("stats/prometheus").body()).contains("istio_requests_total");
    assertThat(servers[0].httpGet("stats/prometheus").body()).contains("istio_requests_total");
  }

  private void assertTraceContinued(String middle, int port, String library) {
    String last = "http://trace-last:" + lastPort + "/";
    String url =
        "http://"
            + middle
            + ":"
            + port
            + "/forward?client="
            + library
            + "&to="
            + URLEncoder.encode(last, StandardCharsets.UTF_8);
    ClientDriver.Result r =
        client.run(
            "http GET "
                + url
                + " traceparent:00-"
                + TRACE
                + "-"
                + SPAN
                + "-01"
                + " x-b3-traceid:"
                + TRACE
                + " x-b3-spanid:"
                + SPAN
                + " x-b3-sampled:1"
                + " x-request-id:trace-test-"
                + library);
    assertThat(r.ok()).as(r.toString()).isTrue();
    String body = r.body();
    assertThat(body).as(r.toString()).contains("forwarded-status=200");
    Matcher parent =
        Pattern.compile("header:traceparent=00-" + TRACE + "-([0-9a-f]{16})-01").matcher(body);
    assertThat(parent.find()).as("the last service saw the trace: %s", body).isTrue();
    assertThat(parent.group(1))
        .as("a new span: the middle's outbound call, not the caller's")
        .isNotEqualTo(SPAN)
        .isNotEqualTo("0000000000000000");
    assertThat(body)
        .contains("header:x-b3-traceid=" + TRACE)
        .contains("header:x-b3-parentspanid=" + SPAN)
        .contains("header:x-request-id=trace-test-" + library);
  }
}
