package dev.jmesh.testsuite.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testing.PrometheusText;
import dev.jmesh.testsuite.engine.ClientDriver;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import java.io.File;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * mesh.jar alongside the OpenTelemetry Java agent (2.31.1) and jmesh's extension for it, attached
 * in both orders: {@code client} and {@code back} attach OpenTelemetry first, {@code front}
 * attaches mesh.jar first (in {@code JAVA_TOOL_OPTIONS}, which the JVM reads before its command
 * line). The client calls {@code front}'s JDK HttpServer with the JDK HttpClient; front's handler
 * calls {@code back} the same way ({@code /forward}). Every hop is meshed (mutual TLS, the engine
 * inbound, the direct path outbound).
 *
 * <p>Spans are exported with the agent's {@code logging-otlp} exporter: OTLP's own JSON encoding,
 * one line per batch on the JVM's output. It carries everything a collector would get (parent span
 * ids, kinds, attributes) — unlike the plain {@code logging} exporter, which prints no parent — and
 * needs no receiver: an OTLP exporter's connection would itself be an outbound call the mesh sees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtelAgentTest {

  private static final Duration STARTUP = Duration.ofSeconds(180);
  private static final int REQUESTS = 3;
  private static final int SERVER = 2;
  private static final int CLIENT = 3;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private ClientDriver client;
  private MeshedJvm front;
  private MeshedJvm back;
  private int frontPort;
  private int backPort;
  private final List<String> bodies = new ArrayList<>();
  private Map<String, Double> before;
  private Map<String, Double> after;

  @BeforeAll
  void startMeshAndCall() throws Exception {
    requireFile(
        "otel.javaagent.jar",
        "the OpenTelemetry agent (mvn generate-test-resources -pl testsuite)");
    requireFile("jmesh.otel.extension.jar", "jmesh's extension (mvn package -pl otel-extension)");
    work = Files.createTempDirectory("jmesh-otel");
    controlPlane = MeshControlPlane.start(jvms, work);
    frontPort = FreePorts.loopback();
    backPort = FreePorts.loopback();
    back = startMeshed(otelFirst(server("back", backPort)).withAgent(), backPort);
    front =
        startMeshed(otelFirst(server("front", frontPort)).withAgentInJavaToolOptions(), frontPort);
    client =
        new ClientDriver(
            jvms.start(
                otelFirst(MeshedJvm.java("client"))
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                    .env("MESH_LABELS", "app=client,version=v1")));
    client.jvm().awaitOutput("READY client", STARTUP);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    ClientDriver.Result warm;
    do {
      Thread.sleep(500);
      warm = client.run("http2 " + forwardUrl("warm"), Duration.ofSeconds(60));
    } while (!warm.body().contains("forwarded-status=200") && System.nanoTime() < deadline);
    assertThat(warm.body()).as(warm.toString()).contains("forwarded-status=200");
    before = requestCounts();
    for (int i = 0; i < REQUESTS; i++) {
      ClientDriver.Result r =
          client.run("http2 " + forwardUrl("otel-" + i), Duration.ofSeconds(60));
      assertThat(r.body()).as(r.toString()).contains("forwarded-status=200");
      bodies.add(r.body());
    }
    after = requestCounts();
  }

  @AfterAll
  void removeWork() throws Exception {
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  /**
   * One trace per request, four spans in it, each the child of the one before across both JVM
   * boundaries: the client's client span, front's server span, front's client span, back's server
   * span. The mesh started no trace of its own and put no second trace header on the wire.
   */
  @Test
  void eachRequestIsOneTraceOfFourSpansChainedAcrossTheJvms() {
    for (int i = 0; i < REQUESTS; i++) {
      String marker = "otel-" + i;
      Span clientSpan = awaitOne(client.jvm(), CLIENT, s -> s.url().endsWith(marker));
      String trace = clientSpan.traceId();
      List<Span> frontSpans = awaitSpans(front, trace, 2);
      List<Span> backSpans = awaitSpans(back, trace, 1);
      assertThat(spansOf(client.jvm(), trace)).as("the client's spans of " + marker).hasSize(1);
      Span frontServer = only(frontSpans, SERVER);
      Span frontClient = only(frontSpans, CLIENT);
      Span backServer = only(backSpans, SERVER);
      assertThat(clientSpan.parentSpanId()).as("the client's span is the root").isEmpty();
      assertThat(frontServer.parentSpanId()).isEqualTo(clientSpan.spanId());
      assertThat(frontClient.parentSpanId()).isEqualTo(frontServer.spanId());
      assertThat(backServer.parentSpanId()).isEqualTo(frontClient.spanId());
      // What back received on the wire: OpenTelemetry's one traceparent, nothing the mesh made up.
      String body = bodies.get(i);
      List<String> traceparents =
          body.lines().filter(l -> l.startsWith("header:traceparent=")).toList();
      assertThat(traceparents).hasSize(1);
      assertThat(traceparents.get(0))
          .startsWith("header:traceparent=00-" + trace + "-" + frontClient.spanId() + "-");
      assertThat(body).doesNotContain("header:b3").doesNotContain("header:x-b3-");
    }
  }

  /** The mesh's facts about each hop on OpenTelemetry's spans, in both attach orders. */
  @Test
  void theSpansCarryTheMeshAttributesOfTheirHop() {
    Span clientSpan = awaitOne(client.jvm(), CLIENT, s -> s.url().endsWith("otel-0"));
    String trace = clientSpan.traceId();
    List<Span> frontSpans = awaitSpans(front, trace, 2);
    Span frontServer = only(frontSpans, SERVER);
    Span frontClient = only(frontSpans, CLIENT);
    Span backServer = only(awaitSpans(back, trace, 1), SERVER);
    assertThat(clientSpan.attributes())
        .containsEntry("mesh.source.workload", "client")
        .containsEntry("mesh.source.namespace", "default")
        .containsEntry("mesh.destination.service", "front.default.svc.cluster.local")
        .containsEntry(
            "mesh.upstream.cluster", "outbound|" + frontPort + "||front.default.svc.cluster.local")
        .containsEntry("mesh.upstream.host", "127.0.0.1:" + frontPort)
        .containsEntry("mesh.response_flags", "-")
        .containsKey("mesh.request_id");
    assertThat(frontServer.attributes())
        .containsEntry("mesh.source.workload", "client")
        .containsEntry("mesh.source.principal", "spiffe://cluster.local/ns/default/sa/client")
        .containsEntry("mesh.destination.workload", "front")
        .containsEntry("mesh.destination.principal", "spiffe://cluster.local/ns/default/sa/front")
        .containsEntry("mesh.destination.service", "front.default.svc.cluster.local")
        .containsEntry("mesh.response_flags", "-")
        .containsEntry("mesh.request_id", clientSpan.attributes().get("mesh.request_id"));
    assertThat(frontClient.attributes())
        .containsEntry("mesh.source.workload", "front")
        .containsEntry("mesh.destination.service", "back.default.svc.cluster.local")
        .containsEntry(
            "mesh.upstream.cluster", "outbound|" + backPort + "||back.default.svc.cluster.local");
    assertThat(backServer.attributes())
        .containsEntry("mesh.source.workload", "front")
        .containsEntry("mesh.source.principal", "spiffe://cluster.local/ns/default/sa/front")
        .containsEntry("mesh.destination.workload", "back")
        .containsEntry("mesh.destination.principal", "spiffe://cluster.local/ns/default/sa/back");
  }

  /** The mesh counted each request once on each side, whichever agent came first. */
  @Test
  void theMeshCountsEachRequestOnce() {
    for (String series : after.keySet()) {
      assertThat(after.get(series) - before.getOrDefault(series, 0.0))
          .as(series)
          .isEqualTo(REQUESTS);
    }
  }

  // ---- helpers ----

  private static void requireFile(String property, String what) {
    String path = System.getProperty(property);
    if (path == null || !Files.isRegularFile(Path.of(path))) {
      throw new AssertionError(what + " is not at " + path + " (-D" + property + ")");
    }
  }

  private String forwardUrl(String path) {
    String to = "http://back:" + backPort + "/" + path;
    return "http://front:"
        + frontPort
        + "/forward?client=jdk-httpclient&to="
        + URLEncoder.encode(to, StandardCharsets.UTF_8);
  }

  /** istio_requests_total of the four sides of the two hops. */
  private Map<String, Double> requestCounts() {
    Map<String, Double> counts = new LinkedHashMap<>();
    PrometheusText c = client.jvm().metrics();
    PrometheusText f = front.metrics();
    PrometheusText b = back.metrics();
    counts.put("client source -> front", sum(c, "source", "client", "front"));
    counts.put("front destination <- client", sum(f, "destination", "client", "front"));
    counts.put("front source -> back", sum(f, "source", "front", "back"));
    counts.put("back destination <- front", sum(b, "destination", "front", "back"));
    return counts;
  }

  private static double sum(PrometheusText m, String reporter, String source, String service) {
    return m
        .samples(
            "istio_requests_total",
            "reporter",
            reporter,
            "source_workload",
            source,
            "destination_service",
            service + ".default.svc.cluster.local")
        .stream()
        .mapToDouble(PrometheusText.Sample::value)
        .sum();
  }

  private MeshedJvm.Builder server(String name, int port) throws Exception {
    return MeshedJvm.java(name)
        .testApp("mesh-servers-app")
        .args("jdk", "127.0.0.1", Integer.toString(port))
        .env("MESH_CONTROL_PLANE", controlPlane.address())
        .env("MESH_TOKEN_FILE", controlPlane.token("default", name).toString())
        .env("MESH_LABELS", "app=" + name + ",version=v1")
        .env("MESH_SERVICE_PORTS", "http:" + port);
  }

  /** The OpenTelemetry agent on the command line; mesh.jar comes after it unless in the env. */
  private static MeshedJvm.Builder otelFirst(MeshedJvm.Builder b) {
    return b.jvmFlags("-javaagent:" + System.getProperty("otel.javaagent.jar"))
        .systemProperty("otel.javaagent.extensions", System.getProperty("jmesh.otel.extension.jar"))
        .systemProperty("otel.traces.exporter", "logging-otlp")
        .systemProperty("otel.metrics.exporter", "none")
        .systemProperty("otel.logs.exporter", "none")
        .systemProperty("otel.bsp.schedule.delay", "500");
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
        jvm.awaitOutput("READY kind=jdk", STARTUP);
        return jvm;
      }
      last = m.group();
      jvm.terminate();
    }
    throw new AssertionError(server + " came up unmeshed three times: " + last);
  }

  /** One span as the OTLP JSON exporter printed it. */
  record Span(
      int kind,
      String traceId,
      String spanId,
      String parentSpanId,
      String url,
      Map<String, String> attributes) {}

  private static Span only(List<Span> spans, int kind) {
    List<Span> of = spans.stream().filter(s -> s.kind() == kind).toList();
    assertThat(of).as("spans of kind %s in %s", kind, spans).hasSize(1);
    return of.get(0);
  }

  private static List<Span> awaitSpans(MeshedJvm jvm, String trace, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<Span> spans = spansOf(jvm, trace);
    while (spans.size() < count && System.nanoTime() < deadline) {
      sleep();
      spans = spansOf(jvm, trace);
    }
    sleep(); // a late duplicate would show up by now
    spans = spansOf(jvm, trace);
    assertThat(spans).as("%s's spans of trace %s", jvm.name(), trace).hasSize(count);
    return spans;
  }

  private static Span awaitOne(
      MeshedJvm jvm, int kind, java.util.function.Predicate<Span> matching) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      List<Span> found =
          spans(jvm).stream().filter(s -> s.kind() == kind).filter(matching).toList();
      if (found.size() == 1 || System.nanoTime() > deadline) {
        assertThat(found).as("%s's matching spans", jvm.name()).hasSize(1);
        return found.get(0);
      }
      sleep();
    }
  }

  private static List<Span> spansOf(MeshedJvm jvm, String trace) {
    return spans(jvm).stream().filter(s -> s.traceId().equals(trace)).toList();
  }

  private static List<Span> spans(MeshedJvm jvm) {
    List<Span> spans = new ArrayList<>();
    Load json = new Load(LoadSettings.builder().build());
    for (String line : jvm.linesMatching(".*OtlpJsonLoggingSpanExporter - \\{.*")) {
      Map<?, ?> resourceSpans =
          (Map<?, ?>) json.loadFromString(line.substring(line.indexOf(" - {") + 3));
      for (Object scope : (List<?>) resourceSpans.get("scopeSpans")) {
        for (Object o : (List<?>) ((Map<?, ?>) scope).get("spans")) {
          Map<?, ?> s = (Map<?, ?>) o;
          Map<String, String> attributes = new LinkedHashMap<>();
          for (Object a : (List<?>) s.get("attributes")) {
            Map<?, ?> attribute = (Map<?, ?>) a;
            Object value = ((Map<?, ?>) attribute.get("value")).values().iterator().next();
            attributes.put(String.valueOf(attribute.get("key")), String.valueOf(value));
          }
          Object parent = s.get("parentSpanId");
          String url = attributes.getOrDefault("url.full", attributes.getOrDefault("url.path", ""));
          spans.add(
              new Span(
                  ((Number) s.get("kind")).intValue(),
                  String.valueOf(s.get("traceId")),
                  String.valueOf(s.get("spanId")),
                  parent == null ? "" : String.valueOf(parent),
                  url,
                  attributes));
        }
      }
    }
    return spans;
  }

  private static void sleep() {
    try {
      Thread.sleep(600);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
