package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access logging from MeshConfig and the Telemetry API into every HTTP connection manager of the
 * workloads it applies to: outbound listeners and inbound chains.
 */
class AccessLogBuilderTest {
  static final String OUTBOUND = "ratings.default.svc.cluster.local:9080";
  static final String INBOUND = "xds.istio.io/grpc/lds/inbound/127.0.0.14:9080";
  static final ProxyNode REVIEWS_V2 = new ProxyNode("reviews-v2", "default",
      Map.of("app", "reviews", "version", "v2"), List.of("127.0.0.14"));
  static final ProxyNode REVIEWS_V1 = new ProxyNode("reviews-v1", "default",
      Map.of("app", "reviews", "version", "v1"), List.of("127.0.0.13"));

  @TempDir Path dir;

  @BeforeEach
  void services() {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
  }

  private MeshSnapshot load(String... files) {
    for (int i = 0; i < files.length; i += 2) {
      TestMesh.write(dir, files[i], files[i + 1]);
    }
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    return snapshot;
  }

  private static List<FileAccessLog> outboundLogs(MeshSnapshot snapshot, ProxyNode node)
      throws Exception {
    Listener l = (Listener) XdsTranslator.translate(snapshot, node).get(TypeUrls.LISTENER,
        OUTBOUND);
    return files(l.getApiListener().getApiListener().unpack(HttpConnectionManager.class));
  }

  private static List<FileAccessLog> inboundLogs(MeshSnapshot snapshot) throws Exception {
    Listener l = (Listener) XdsTranslator.translate(snapshot, REVIEWS_V2).get(TypeUrls.LISTENER,
        INBOUND);
    List<FileAccessLog> out = new ArrayList<>();
    for (var chain : l.getFilterChainsList()) {
      out.addAll(files(chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class)));
    }
    return out;
  }

  private static List<FileAccessLog> files(HttpConnectionManager hcm) throws Exception {
    List<FileAccessLog> out = new ArrayList<>();
    for (AccessLog log : hcm.getAccessLogList()) {
      assertThat(log.getName()).isEqualTo("envoy.access_loggers.file");
      out.add(log.getTypedConfig().unpack(FileAccessLog.class));
    }
    return out;
  }

  private static String telemetry(String namespace, String name, String selector,
      String accessLogging) {
    return String.join("\n",
        "apiVersion: telemetry.istio.io/v1",
        "kind: Telemetry",
        "metadata: {name: " + name + ", namespace: " + namespace + "}",
        "spec:",
        selector.isEmpty() ? "" : "  selector: {matchLabels: " + selector + "}",
        "  accessLogging: " + accessLogging,
        "");
  }

  @Test
  void nothingConfiguredLogsNothing() throws Exception {
    MeshSnapshot s = load();
    assertThat(outboundLogs(s, REVIEWS_V2)).isEmpty();
    assertThat(inboundLogs(s)).isEmpty();
  }

  @Test
  void accessLogFileLogsEveryConnectionManagerInIstiosTextFormat() throws Exception {
    MeshSnapshot s = load("mesh.yaml", "accessLogFile: /dev/stdout\n");
    List<FileAccessLog> out = outboundLogs(s, REVIEWS_V2);
    assertThat(out).singleElement().satisfies(f -> {
      assertThat(f.getPath()).isEqualTo("/dev/stdout");
      assertThat(f.getLogFormat().getTextFormatSource().getInlineString())
          .isEqualTo(AccessLogBuilder.ISTIO_TEXT);
    });
    assertThat(inboundLogs(s)).hasSize(2).allMatch(f -> f.getPath().equals("/dev/stdout"));
  }

  @Test
  void jsonEncodingUsesIstiosKeysOrTheGivenOnes() throws Exception {
    MeshSnapshot s = load("mesh.yaml", "accessLogFile: /var/log/mesh.log\n"
        + "accessLogEncoding: JSON\n");
    FileAccessLog f = outboundLogs(s, REVIEWS_V2).get(0);
    assertThat(f.getPath()).isEqualTo("/var/log/mesh.log");
    assertThat(f.getLogFormat().getJsonFormat().getFieldsMap()).hasSize(24)
        .containsKey("upstream_cluster");

    s = load("mesh.yaml", "accessLogFile: /dev/stdout\naccessLogEncoding: JSON\n"
        + "accessLogFormat: '{\"code\": \"%RESPONSE_CODE%\"}'\n");
    assertThat(outboundLogs(s, REVIEWS_V2).get(0).getLogFormat().getJsonFormat().getFieldsMap())
        .containsOnlyKeys("code");
  }

  @Test
  void aTextFormatGetsItsNewline() throws Exception {
    MeshSnapshot s = load("mesh.yaml", "accessLogFile: /dev/stdout\n"
        + "accessLogFormat: '%RESPONSE_CODE% %REQ(:PATH)%'\n");
    assertThat(outboundLogs(s, REVIEWS_V2).get(0).getLogFormat().getTextFormatSource()
        .getInlineString()).isEqualTo("%RESPONSE_CODE% %REQ(:PATH)%\n");
  }

  @Test
  void badJsonFormatIsAClearError() {
    TestMesh.write(dir, "mesh.yaml", "accessLogFile: /dev/stdout\naccessLogEncoding: JSON\n"
        + "accessLogFormat: 'code=%RESPONSE_CODE%'\n");
    assertThat(TestMesh.errors(TestMesh.load(dir))).singleElement().asString()
        .contains("mesh.yaml").contains("accessLogFormat: with accessLogEncoding JSON it must be"
            + " a JSON object");
  }

  @Test
  void telemetryInTheRootNamespaceTurnsTheEnvoyProviderOnMeshWide() throws Exception {
    MeshSnapshot s = load("telemetry.yaml",
        telemetry("istio-system", "mesh-default", "", "[{providers: [{name: envoy}]}]"));
    assertThat(outboundLogs(s, REVIEWS_V2)).singleElement()
        .satisfies(f -> assertThat(f.getPath()).isEqualTo("/dev/stdout"));
    assertThat(outboundLogs(s, REVIEWS_V1)).hasSize(1);
  }

  @Test
  void theMostSpecificLevelWins() throws Exception {
    MeshSnapshot s = load(
        "mesh.yaml", "accessLogFile: /dev/stdout\n",
        "ns.yaml", telemetry("default", "ns", "", "[{disabled: true}]"),
        "wl.yaml", telemetry("default", "reviews-v2", "{version: v2}", "[{}]"));
    // The workload's Telemetry turns it back on for v2; the namespace's keeps v1 off, even though
    // MeshConfig's accessLogFile would log.
    assertThat(outboundLogs(s, REVIEWS_V2)).hasSize(1);
    assertThat(outboundLogs(s, REVIEWS_V1)).isEmpty();
  }

  @Test
  void disabledForOneWorkloadStopsOnlyIts() throws Exception {
    MeshSnapshot s = load(
        "mesh.yaml", "accessLogFile: /dev/stdout\n",
        "wl.yaml", telemetry("default", "quiet", "{version: v2}", "[{disabled: true}]"));
    assertThat(outboundLogs(s, REVIEWS_V2)).isEmpty();
    assertThat(inboundLogs(s)).isEmpty();
    assertThat(outboundLogs(s, REVIEWS_V1)).hasSize(1);
  }

  @Test
  void anEnvoyFileAccessLogProviderWritesItsPathAndFormat() throws Exception {
    MeshSnapshot s = load(
        "mesh.yaml", String.join("\n",
            "extensionProviders:",
            "- name: json-file",
            "  envoyFileAccessLog:",
            "    path: /tmp/mesh-access.log",
            "    logFormat:",
            "      labels:",
            "        code: '%RESPONSE_CODE%'",
            "        id: '%REQ(X-REQUEST-ID)%'",
            "- name: text-out",
            "  envoyFileAccessLog:",
            "    logFormat: {text: '%RESPONSE_CODE%'}",
            ""),
        "telemetry.yaml", telemetry("istio-system", "mesh-default", "",
            "[{providers: [{name: json-file}, {name: text-out}]}]"));
    List<FileAccessLog> out = outboundLogs(s, REVIEWS_V2);
    assertThat(out).hasSize(2);
    assertThat(out.get(0).getPath()).isEqualTo("/tmp/mesh-access.log");
    assertThat(out.get(0).getLogFormat().getJsonFormat().getFieldsMap().keySet())
        .containsExactly("code", "id");
    assertThat(out.get(1).getPath()).isEqualTo("/dev/stdout");
    assertThat(out.get(1).getLogFormat().getTextFormatSource().getInlineString())
        .isEqualTo("%RESPONSE_CODE%\n");
  }

  @Test
  void whatJmeshDoesNotDoIsAWarning() {
    TestMesh.write(dir, "mesh.yaml", String.join("\n",
        "extensionProviders:",
        "- name: otel",
        "  envoyOtelAls: {service: otel.istio-system.svc.cluster.local, port: 4317}",
        ""));
    TestMesh.write(dir, "telemetry.yaml", telemetry("istio-system", "mesh-default", "",
        "[{providers: [{name: otel}], filter: {expression: 'response.code >= 400'}}]"));
    MeshSnapshot s = TestMesh.load(dir);
    assertThat(s.diagnostics()).extracting(Object::toString)
        .anySatisfy(d -> assertThat(d).contains("provider otel is an envoyOtelAls, which writes no"
            + " access log"))
        .anySatisfy(d -> assertThat(d).contains("accessLogging.filter is not applied"));
  }
}
