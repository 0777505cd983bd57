package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracing from the Telemetry API and MeshConfig's {@code opentelemetry} providers into every HTTP
 * connection manager of the workloads it applies to, as istiod writes it.
 */
class TracingBuilderTest {
  static final String OUTBOUND = AccessLogBuilderTest.OUTBOUND;
  static final String INBOUND = AccessLogBuilderTest.INBOUND;
  static final ProxyNode REVIEWS_V2 = AccessLogBuilderTest.REVIEWS_V2;
  static final ProxyNode REVIEWS_V1 = AccessLogBuilderTest.REVIEWS_V1;

  static final String MESH =
      String.join(
          "\n",
          "extensionProviders:",
          "- name: otel",
          "  opentelemetry: {service: otel-collector.observability.svc.cluster.local, port: 4317}",
          "- name: otel-http",
          "  opentelemetry:",
          "    service: otel-collector.observability.svc.cluster.local",
          "    port: 4318",
          "    http: {path: /v1/traces}",
          "- name: zipkin",
          "  zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}",
          "");

  @TempDir Path dir;

  @BeforeEach
  void services() {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
  }

  private MeshSnapshot load(String... files) {
    for (int i = 0; i < files.length; i += 2) {
      TestMesh.write(dir, files[i], files[i + 1]);
    }
    return TestMesh.load(dir);
  }

  private static HttpConnectionManager outbound(MeshSnapshot snapshot, ProxyNode node)
      throws Exception {
    Listener l =
        (Listener) XdsTranslator.translate(snapshot, node).get(TypeUrls.LISTENER, OUTBOUND);
    return l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
  }

  private static List<HttpConnectionManager> inbound(MeshSnapshot snapshot) throws Exception {
    Listener l =
        (Listener) XdsTranslator.translate(snapshot, REVIEWS_V2).get(TypeUrls.LISTENER, INBOUND);
    return l.getFilterChainsList().stream()
        .map(
            c -> {
              try {
                return c.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            })
        .toList();
  }

  private static String telemetry(String namespace, String name, String selector, String tracing) {
    return String.join(
        "\n",
        "apiVersion: telemetry.istio.io/v1",
        "kind: Telemetry",
        "metadata: {name: " + name + ", namespace: " + namespace + "}",
        "spec:",
        selector.isEmpty() ? "" : "  selector: {matchLabels: " + selector + "}",
        "  tracing: " + tracing,
        "");
  }

  private static Map<String, String> tags(HttpConnectionManager.Tracing t) {
    Map<String, String> out = new LinkedHashMap<>();
    for (CustomTag tag : t.getCustomTagsList()) {
      out.put(tag.getTag(), tag.getLiteral().getValue());
    }
    return out;
  }

  @Test
  void noTelemetryTracingMeansNoTracer() throws Exception {
    MeshSnapshot s = load("mesh.yaml", MESH);
    assertThat(outbound(s, REVIEWS_V2).hasTracing()).isFalse();
    assertThat(inbound(s)).noneMatch(HttpConnectionManager::hasTracing);
  }

  @Test
  void anOpenTelemetryProviderBecomesEnvoysTracerOnEveryConnectionManager() throws Exception {
    MeshSnapshot s =
        load(
            "mesh.yaml",
            MESH,
            "telemetry.yaml",
            telemetry("istio-system", "mesh-default", "", "[{providers: [{name: otel}]}]"));
    HttpConnectionManager.Tracing t = outbound(s, REVIEWS_V2).getTracing();
    assertThat(t.getRandomSampling().getValue()).as("Istio's default").isEqualTo(1.0);
    assertThat(t.getProvider().getName()).isEqualTo("envoy.tracers.opentelemetry");
    OpenTelemetryConfig otel = t.getProvider().getTypedConfig().unpack(OpenTelemetryConfig.class);
    assertThat(otel.getServiceName()).isEqualTo("reviews.default");
    assertThat(otel.getGrpcService().getEnvoyGrpc().getClusterName())
        .isEqualTo("outbound|4317||otel-collector.observability.svc.cluster.local");
    assertThat(otel.getGrpcService().getEnvoyGrpc().getAuthority())
        .isEqualTo("otel-collector.observability.svc.cluster.local");
    assertThat(tags(t))
        .containsEntry("istio.canonical_service", "reviews")
        .containsEntry("istio.canonical_revision", "v2")
        .containsEntry("istio.namespace", "default")
        .containsEntry("istio.mesh_id", "cluster.local");
    assertThat(inbound(s)).hasSize(2).allMatch(h -> h.getTracing().equals(t));
  }

  @Test
  void samplingComesFromTheMostSpecificLevelThenMeshConfig() throws Exception {
    MeshSnapshot s =
        load(
            "mesh.yaml",
            MESH + "defaultConfig: {tracing: {sampling: 7.5}}\n",
            "mesh-telemetry.yaml",
            telemetry("istio-system", "mesh-default", "", "[{providers: [{name: otel}]}]"));
    assertThat(outbound(s, REVIEWS_V2).getTracing().getRandomSampling().getValue())
        .isEqualTo(7.5);
    s =
        load(
            "ns-telemetry.yaml",
            telemetry("default", "ns", "", "[{randomSamplingPercentage: 50}]"),
            "workload-telemetry.yaml",
            telemetry(
                "default",
                "v2",
                "{app: reviews, version: v2}",
                "[{randomSamplingPercentage: 100, customTags: {team: {literal: {value: x}}}}]"));
    HttpConnectionManager.Tracing v2 = outbound(s, REVIEWS_V2).getTracing();
    assertThat(v2.getRandomSampling().getValue()).isEqualTo(100);
    assertThat(tags(v2)).containsEntry("team", "x");
    assertThat(outbound(s, REVIEWS_V1).getTracing().getRandomSampling().getValue())
        .isEqualTo(50);
  }

  @Test
  void disableSpanReportingKeepsSamplingWithoutAProvider() throws Exception {
    MeshSnapshot s =
        load(
            "mesh.yaml",
            MESH,
            "telemetry.yaml",
            telemetry(
                "istio-system",
                "mesh-default",
                "",
                "[{providers: [{name: otel}], disableSpanReporting: true}]"));
    HttpConnectionManager.Tracing t = outbound(s, REVIEWS_V2).getTracing();
    assertThat(t.hasProvider()).isFalse();
    assertThat(t.getRandomSampling().getValue()).isEqualTo(1.0);
  }

  @Test
  void theHttpBlockAsksForOtlpOverHttp() throws Exception {
    MeshSnapshot s =
        load(
            "mesh.yaml",
            MESH,
            "telemetry.yaml",
            telemetry("istio-system", "mesh-default", "", "[{providers: [{name: otel-http}]}]"));
    OpenTelemetryConfig otel =
        outbound(s, REVIEWS_V2)
            .getTracing()
            .getProvider()
            .getTypedConfig()
            .unpack(OpenTelemetryConfig.class);
    assertThat(s.diagnostics()).isEmpty();
    assertThat(otel.hasGrpcService()).isFalse();
    assertThat(otel.getHttpService().getHttpUri().getUri())
        .isEqualTo("http://otel-collector.observability.svc.cluster.local:4318/v1/traces");
    assertThat(otel.getHttpService().getHttpUri().getCluster())
        .isEqualTo("outbound|4318||otel-collector.observability.svc.cluster.local");
  }

  @Test
  void aZipkinProviderTracesNothingAndValidationSaysSo() throws Exception {
    MeshSnapshot s =
        load(
            "mesh.yaml",
            MESH,
            "telemetry.yaml",
            telemetry("istio-system", "mesh-default", "", "[{providers: [{name: zipkin}]}]"));
    assertThat(outbound(s, REVIEWS_V2).hasTracing()).isFalse();
    assertThat(s.diagnostics())
        .anySatisfy(
            d ->
                assertThat(d.toString())
                    .contains("tracing provider zipkin is a zipkin")
                    .contains("use an opentelemetry provider"));
  }
}
