package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testsuite.engine.OtlpTestReceiver.ReceivedSpan;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.File;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traces end to end: the real control plane turns Istio's Telemetry {@code tracing} with an {@code
 * opentelemetry} provider into each connection manager's OpenTelemetry tracer, and three meshed
 * JVMs — a client A (HttpURLConnection's direct path), a middle B (the engine in front of the JDK's
 * HttpServer, whose handler calls on with the JDK's HttpClient and forwards no header) and a last C
 * — export their spans over OTLP/gRPC to a receiver in this test, reached as a ServiceEntry's
 * endpoint. The spans form one trace: A's client span is the parent of B's server span, which is
 * the parent of B's client span, the parent of C's server span.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingTest {

  private static final Duration SPANS = Duration.ofSeconds(60);

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private final AtomicInteger requests = new AtomicInteger();
  private Path work;
  private MeshControlPlane controlPlane;
  private OtlpTestReceiver receiver;
  private ClientDriver client;
  private int middlePort;
  private int lastPort;
  private int proxiedPort;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-tracing");
    receiver = new OtlpTestReceiver();
    controlPlane = MeshControlPlane.start(jvms, work);
    controlPlane.apply("mesh", mesh(receiver.port(), ""));
    controlPlane.apply(
        "receiver",
        String.join(
            "\n",
            "apiVersion: networking.istio.io/v1",
            "kind: ServiceEntry",
            "metadata: {name: otel-receiver, namespace: default}",
            "spec:",
            "  hosts: [otel-receiver.default.svc.cluster.local]",
            "  location: MESH_EXTERNAL",
            "  resolution: STATIC",
            "  ports:",
            "  - {number: " + receiver.port() + ", name: grpc-otlp, protocol: GRPC}",
            "  - {number: " + receiver.httpPort() + ", name: http-otlp, protocol: HTTP}",
            "  endpoints: [{address: 127.0.0.1}]",
            ""));
    sampling(100);
    lastPort = FreePorts.loopback();
    middlePort = FreePorts.loopback();
    // One JVM starting at a time: on a loaded machine agents starting together may miss the
    // engine's start-up window.
    server("tr-c", lastPort).awaitOutput("READY kind=\\w+ port=\\d+", MeshControlPlane.STARTUP);
    server("tr-b", middlePort).awaitOutput("READY kind=\\w+ port=\\d+", MeshControlPlane.STARTUP);
    proxiedPort = FreePorts.loopback();
    int appPort = FreePorts.loopback();
    jvms.start(
            MeshedJvm.java("tr-p-app")
                .testApp("mesh-servers-app")
                .args("jdk", "127.0.0.1", Integer.toString(appPort))
                .withoutAgent())
        .awaitOutput("READY kind=\\w+ port=\\d+", MeshControlPlane.STARTUP);
    MeshedJvm proxy =
        jvms.start(
            MeshedJvm.java("tr-p")
                .jar(MeshPaths.root().resolve("proxy/target/mesh-proxy.jar"))
                .jvmFlags("-Xmx64m")
                .env("MESH_JOURNAL", "off")
                .withoutAgent()
                .args(
                    "--service", "tr-p",
                    "--control-plane", controlPlane.address(),
                    "--token-file", controlPlane.token("default", "tr-p").toString(),
                    "--labels", "app=tr-p,version=v1",
                    "--inbound", proxiedPort + "=127.0.0.1:" + appPort,
                    "--workload-address", "127.0.0.1",
                    "--admin-port", "0",
                    "--metrics-port", "0"));
    proxy.awaitOutput("ready in (\\d+) ms", MeshControlPlane.STARTUP);
    client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java("tr-a")
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", "tr-a").toString())
                    .env("MESH_LABELS", "app=tr-a,version=v1")));
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> call("warm-up").status() == 200);
  }

  private MeshedJvm server(String service, int port) throws Exception {
    return jvms.start(
        MeshedJvm.java(service)
            .testApp("mesh-servers-app")
            .args("jdk", "127.0.0.1", Integer.toString(port))
            .withAgent()
            .env("MESH_CONTROL_PLANE", controlPlane.address())
            .env("MESH_TOKEN_FILE", controlPlane.token("default", service).toString())
            .env("MESH_LABELS", "app=" + service + ",version=v1")
            .env("MESH_SERVICE_PORTS", "http:" + port));
  }

  /** {@code mesh.yaml} with the {@code otel} provider on {@code port}, {@code extra} settings. */
  private String mesh(int port, String extra) {
    return String.join(
        "\n",
        "extensionProviders:",
        "- name: otel",
        "  opentelemetry:",
        "    service: otel-receiver.default.svc.cluster.local",
        "    port: " + port,
        extra,
        "");
  }

  /** Mesh-wide tracing to the {@code otel} provider at {@code percent}. */
  private void sampling(double percent) throws Exception {
    controlPlane.apply(
        "telemetry",
        String.join(
            "\n",
            "apiVersion: telemetry.istio.io/v1",
            "kind: Telemetry",
            "metadata: {name: mesh-default, namespace: istio-system}",
            "spec:",
            "  tracing:",
            "  - providers: [{name: otel}]",
            "    randomSamplingPercentage: " + percent,
            ""));
  }

  @AfterAll
  void stop() throws Exception {
    if (receiver != null) {
      receiver.close();
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  /** A → B ({@code /forward}) → C, with {@code x-request-id: <name>-<n>} and extra headers. */
  private ClientDriver.Result call(String requestId, String... headers) {
    String last = "http://tr-c:" + lastPort + "/";
    StringBuilder command =
        new StringBuilder("http GET http://tr-b:")
            .append(middlePort)
            .append("/forward?client=jdk-httpclient&to=")
            .append(URLEncoder.encode(last, StandardCharsets.UTF_8))
            .append(" x-request-id:")
            .append(requestId);
    for (String h : headers) {
      command.append(' ').append(h);
    }
    return client.run(command.toString());
  }

  private String freshId(String name) {
    return "trace-" + name + "-" + requests.incrementAndGet();
  }

  /** The traceparent C's application received, from C's report in B's forwarded body. */
  private static Matcher lastTraceparent(ClientDriver.Result r) {
    Matcher m =
        Pattern.compile("header:traceparent=00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
            .matcher(r.body());
    assertThat(m.find()).as("C saw a traceparent: %s", r).isTrue();
    return m;
  }

  /** Sends requests until the four spans of one arrive (the config may still be on its way). */
  private List<ReceivedSpan> fourSpans(String name) {
    String[] id = new String[1];
    AbstractMeshedServerTest.await()
        .atMost(SPANS)
        .until(
            () -> {
              id[0] = freshId(name);
              ClientDriver.Result r = call(id[0]);
              assertThat(r.body()).as(r.toString()).contains("forwarded-status=200");
              for (int i = 0; i < 30; i++) {
                if (receiver.spansOfRequest(id[0]).size() >= 4) {
                  return true;
                }
                Thread.sleep(100);
              }
              return false;
            });
    return receiver.spansOfRequest(id[0]);
  }

  private static ReceivedSpan only(List<ReceivedSpan> spans, String service, Span.SpanKind kind) {
    List<ReceivedSpan> matching =
        spans.stream().filter(s -> s.service().equals(service) && s.kind() == kind).toList();
    assertThat(matching).as("%s %s span among %s", service, kind, spans).hasSize(1);
    return matching.get(0);
  }

  @Test
  void spansOfThreeServicesFormOneTraceWithTheirParents() {
    List<ReceivedSpan> spans = fourSpans("tree");
    assertThat(spans).hasSize(4);
    assertThat(spans.stream().map(ReceivedSpan::traceId).distinct()).hasSize(1);
    ReceivedSpan aClient = only(spans, "tr-a.default", Span.SpanKind.SPAN_KIND_CLIENT);
    ReceivedSpan bServer = only(spans, "tr-b.default", Span.SpanKind.SPAN_KIND_SERVER);
    ReceivedSpan bClient = only(spans, "tr-b.default", Span.SpanKind.SPAN_KIND_CLIENT);
    ReceivedSpan cServer = only(spans, "tr-c.default", Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(aClient.parentSpanId()).as("A started the trace").isEmpty();
    assertThat(bServer.parentSpanId()).isEqualTo(aClient.spanId());
    assertThat(bClient.parentSpanId()).isEqualTo(bServer.spanId());
    assertThat(cServer.parentSpanId()).isEqualTo(bClient.spanId());
    assertThat(spans.stream().map(ReceivedSpan::spanId).distinct()).hasSize(4);
    for (ReceivedSpan s : spans) {
      assertThat(s.startNanos()).as("%s", s).isPositive().isLessThanOrEqualTo(s.endNanos());
      assertThat(s.statusCode()).as("%s", s).isZero();
      assertThat(s.attribute("istio.namespace")).isEqualTo("default");
      assertThat(s.attribute("istio.mesh_id")).isEqualTo("cluster.local");
      assertThat(s.attribute("istio.canonical_service")).isEqualTo(s.service().split("\\.")[0]);
      assertThat(s.attribute("node_id")).as("%s", s).isNotEmpty();
      assertThat(s.attribute("http.method")).isEqualTo("GET");
      assertThat(s.attribute("http.status_code")).isEqualTo("200");
      assertThat(s.attribute("response_flags")).isEqualTo("-");
    }
    assertThat(aClient.attribute("upstream_cluster"))
        .isEqualTo("outbound|" + middlePort + "||tr-b.default.svc.cluster.local");
    assertThat(aClient.attribute("http.url")).contains("/forward?client=jdk-httpclient");
    assertThat(bClient.attribute("upstream_cluster"))
        .isEqualTo("outbound|" + lastPort + "||tr-c.default.svc.cluster.local");
    assertThat(bServer.attribute("upstream_cluster")).isEqualTo("inbound|" + middlePort + "||");
    assertThat(cServer.attribute("peer.address")).as("%s", cServer).startsWith("127.0.0.1:");
    // The first span started a new trace with the sampled flag: every hop carried it.
    assertThat(aClient.attribute("guid:x-request-id")).startsWith("trace-tree-");
  }

  @Test
  void theHeadersTheMeshInjectsCarryTheSpansIds() {
    fourSpans("headers-warm");
    String id = freshId("headers");
    ClientDriver.Result r = call(id);
    Matcher tp = lastTraceparent(r);
    AbstractMeshedServerTest.await()
        .atMost(SPANS)
        .until(() -> receiver.spansOfRequest(id).size() >= 4);
    ReceivedSpan cServer =
        only(receiver.spansOfRequest(id), "tr-c.default", Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(tp.group(1)).as("C's application saw the trace").isEqualTo(cServer.traceId());
    assertThat(tp.group(2))
        .as("C's application's parent is C's server span")
        .isEqualTo(cServer.spanId());
    assertThat(tp.group(3)).isEqualTo("01");
  }

  @Test
  void aCallersTraceIsContinuedAndItsUnsampledDecisionReportsNothing() throws Exception {
    fourSpans("decision-warm");
    String unsampledTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String sampledTrace = "0af7651916cd43dd8448eb211c80319c";
    ClientDriver.Result unsampled =
        call(freshId("unsampled"), "traceparent:00-" + unsampledTrace + "-00f067aa0ba902b7-00");
    assertThat(unsampled.body()).contains("forwarded-status=200");
    assertThat(lastTraceparent(unsampled).group(1)).isEqualTo(unsampledTrace);
    assertThat(lastTraceparent(unsampled).group(3)).isEqualTo("00");
    // A sampled request after it: once its spans are in, the unsampled one's would be too.
    ClientDriver.Result sampled =
        call(freshId("sampled"), "traceparent:00-" + sampledTrace + "-b7ad6b7169203331-01");
    assertThat(sampled.body()).contains("forwarded-status=200");
    AbstractMeshedServerTest.await()
        .atMost(SPANS)
        .until(() -> receiver.spansOfTrace(sampledTrace).size() >= 4);
    List<ReceivedSpan> continued = receiver.spansOfTrace(sampledTrace);
    ReceivedSpan aClient = only(continued, "tr-a.default", Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(aClient.parentSpanId())
        .as("the application's own span")
        .isEqualTo("b7ad6b7169203331");
    Thread.sleep(500);
    assertThat(receiver.spansOfTrace(unsampledTrace)).isEmpty();
  }

  /**
   * A route with a rewrite takes A's request through the outbound engine instead of its direct
   * path: the engine's client span continues the application's own span and goes out as B's parent.
   */
  @Test
  void theOutboundEngineWritesTheClientSpan() throws Exception {
    fourSpans("engine-warm");
    String appTrace = "7bf92f3577b34da6a3ce929d0e0e4739";
    try {
      controlPlane.apply(
          "rewrite",
          String.join(
              "\n",
              "apiVersion: networking.istio.io/v1",
              "kind: VirtualService",
              "metadata: {name: tr-b-rewrite, namespace: default}",
              "spec:",
              "  hosts: [tr-b]",
              "  http:",
              "  - name: via-engine",
              "    match: [{uri: {prefix: /forward}}]",
              "    rewrite: {uri: /forward}",
              "    route: [{destination: {host: tr-b}}]",
              ""));
      ReceivedSpan[] engineSpan = new ReceivedSpan[1];
      AbstractMeshedServerTest.await()
          .atMost(SPANS)
          .until(
              () -> {
                String id = freshId("engine");
                call(id, "traceparent:00-" + appTrace + "-00f067aa0ba902ba-01");
                for (int i = 0; i < 30; i++) {
                  for (ReceivedSpan s : receiver.spansOfRequest(id)) {
                    if (s.service().equals("tr-a.default")
                        && "via-engine".equals(s.attribute("route_name"))) {
                      engineSpan[0] = s;
                    }
                  }
                  if (engineSpan[0] != null && receiver.spansOfRequest(id).size() >= 4) {
                    return true;
                  }
                  Thread.sleep(100);
                }
                return false;
              });
      ReceivedSpan aClient = engineSpan[0];
      assertThat(aClient.kind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(aClient.attribute("http.protocol"))
          .as("the engine knows it")
          .isEqualTo("HTTP/1.1");
      assertThat(aClient.traceId()).isEqualTo(appTrace);
      assertThat(aClient.parentSpanId()).isEqualTo("00f067aa0ba902ba");
      ReceivedSpan bServer =
          only(
              receiver.spansOfRequest(aClient.attribute("guid:x-request-id")),
              "tr-b.default",
              Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(bServer.parentSpanId()).isEqualTo(aClient.spanId());
    } finally {
      controlPlane.delete("rewrite");
    }
  }

  /** mesh-proxy's engine traces as the agent's does: its server span, exported from the proxy. */
  @Test
  void aServerBehindMeshProxyReportsItsServerSpan() {
    String trace = "6bf92f3577b34da6a3ce929d0e0e4738";
    String[] id = new String[1];
    AbstractMeshedServerTest.await()
        .atMost(SPANS)
        .until(
            () -> {
              id[0] = freshId("proxy");
              ClientDriver.Result r =
                  client.run(
                      "http GET http://tr-p:"
                          + proxiedPort
                          + "/ x-request-id:"
                          + id[0]
                          + " traceparent:00-"
                          + trace
                          + "-00f067aa0ba902b9-01");
              assertThat(r.status()).as(r.toString()).isEqualTo(200);
              for (int i = 0; i < 30; i++) {
                if (receiver.spansOfRequest(id[0]).size() >= 2) {
                  return true;
                }
                Thread.sleep(100);
              }
              return false;
            });
    List<ReceivedSpan> spans = receiver.spansOfRequest(id[0]);
    ReceivedSpan aClient = only(spans, "tr-a.default", Span.SpanKind.SPAN_KIND_CLIENT);
    ReceivedSpan proxied = only(spans, "tr-p.default", Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(proxied.traceId()).isEqualTo(trace);
    assertThat(proxied.parentSpanId()).isEqualTo(aClient.spanId());
    assertThat(proxied.attribute("istio.canonical_service")).isEqualTo("tr-p");
    assertThat(proxied.attribute("upstream_cluster")).isEqualTo("inbound|" + proxiedPort + "||");
    assertThat(proxied.attribute("node_id")).isNotEmpty();
  }

  /** A provider with an {@code http} block: the same spans, over OTLP/HTTP with protobuf. */
  @Test
  void anHttpProviderExportsOverOtlpHttp() throws Exception {
    fourSpans("http-warm");
    try {
      controlPlane.apply("mesh", mesh(receiver.httpPort(), "    http: {path: /v1/traces}"));
      String[] id = new String[1];
      AbstractMeshedServerTest.await()
          .atMost(SPANS)
          .until(
              () -> {
                id[0] = freshId("http");
                assertThat(call(id[0]).body()).contains("forwarded-status=200");
                for (int i = 0; i < 30; i++) {
                  List<ReceivedSpan> spans = receiver.spansOfRequest(id[0]);
                  if (spans.size() >= 4
                      && spans.stream().allMatch(s -> s.transport().equals("http"))) {
                    return true;
                  }
                  Thread.sleep(100);
                }
                return false;
              });
      List<ReceivedSpan> spans = receiver.spansOfRequest(id[0]);
      assertThat(spans).hasSize(4);
      ReceivedSpan bServer = only(spans, "tr-b.default", Span.SpanKind.SPAN_KIND_SERVER);
      ReceivedSpan bClient = only(spans, "tr-b.default", Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(bClient.parentSpanId()).isEqualTo(bServer.spanId());
    } finally {
      controlPlane.apply("mesh", mesh(receiver.port(), ""));
    }
  }

  @Test
  void zeroPercentSamplingReportsNothing() throws Exception {
    try {
      sampling(0);
      // Config has reached A once the trace A starts goes out unsampled.
      AbstractMeshedServerTest.await()
          .atMost(SPANS)
          .until(() -> lastTraceparent(call(freshId("zero-wait"))).group(3).equals("00"));
      // ...and B and C: their server spans would report a sampled fence from then on.
      List<String> ids = List.of(freshId("zero"), freshId("zero"), freshId("zero"));
      for (String id : ids) {
        ClientDriver.Result r = call(id);
        assertThat(lastTraceparent(r).group(3)).as(r.toString()).isEqualTo("00");
      }
      String fence = "5bf92f3577b34da6a3ce929d0e0e4737";
      call(freshId("zero-fence"), "traceparent:00-" + fence + "-00f067aa0ba902b8-01");
      AbstractMeshedServerTest.await()
          .atMost(SPANS)
          .until(() -> receiver.spansOfTrace(fence).size() >= 4);
      Thread.sleep(500);
      for (String id : ids) {
        assertThat(receiver.spansOfRequest(id)).as(id).isEmpty();
      }
    } finally {
      sampling(100);
    }
  }
}
