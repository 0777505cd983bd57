package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Any;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.controlplane.config.Telemetry;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing.Http;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tracing of a proxy's HTTP connection managers, as istiod decides it from the Telemetry API's
 * {@code tracing} and MeshConfig: the levels mesh (root namespace, no selector), namespace and
 * workload are merged in that order, each overriding what it sets (providers, {@code
 * randomSamplingPercentage}, {@code disableSpanReporting}, custom tags); the sampling falls back to
 * {@code defaultConfig.tracing.sampling} and then Istio's 1%. The provider must be an {@code
 * extensionProviders} entry of kind {@code opentelemetry}: Envoy's OpenTelemetry tracer exporting
 * to {@code outbound|<port>||<service>} ({@code envoy_grpc}), or its {@code http_service} when the
 * provider has an {@code http} block. {@code service_name} is {@code <canonical
 * service>.<namespace>} and the literal tags are Istio's ({@code istio.canonical_service}, {@code
 * istio.canonical_revision}, {@code istio.namespace}, {@code istio.mesh_id}). See {@code
 * docs/telemetry.md}.
 */
final class TracingBuilder {

  static final String OPENTELEMETRY_KIND = "opentelemetry";
  static final String OPENTELEMETRY_TRACER = "envoy.tracers.opentelemetry";

  /** Istio's default sampling when neither the Telemetry API nor MeshConfig sets one. */
  static final double DEFAULT_SAMPLING = 1.0;

  private TracingBuilder() {}

  /** The merged tracing settings of one proxy. */
  private static final class Merged {
    List<String> providers = List.of();
    Double sampling;
    boolean disableSpanReporting;
    final Map<String, String> tags = new LinkedHashMap<>();
    boolean any;

    void apply(List<Telemetry> level) {
      for (Telemetry t : level) {
        for (Telemetry.Tracing e : t.tracing()) {
          any = true;
          if (!e.providers().isEmpty()) {
            providers = e.providers();
          }
          if (e.randomSamplingPercentage() != null) {
            sampling = e.randomSamplingPercentage();
          }
          disableSpanReporting = e.disableSpanReporting();
          tags.putAll(e.customTagLiterals());
        }
      }
    }
  }

  /**
   * The tracing every HTTP connection manager of the proxy carries; {@code null} when no Telemetry
   * names a tracing provider of kind {@code opentelemetry} for it.
   */
  static HttpConnectionManager.Tracing forProxy(MeshSnapshot snapshot, ProxyNode node) {
    MeshConfig mesh = snapshot.meshConfig();
    Merged merged = new Merged();
    for (List<Telemetry> level : TelemetryLevels.of(snapshot, node, t -> !t.tracing().isEmpty())) {
      merged.apply(level);
    }
    if (!merged.any || merged.providers.isEmpty()) {
      return null;
    }
    MeshConfig.ExtensionProvider provider = null;
    for (MeshConfig.ExtensionProvider p : mesh.extensionProviders()) {
      if (p.name().equals(merged.providers.get(0))) {
        provider = p;
      }
    }
    if (provider == null || !provider.type().equals(OPENTELEMETRY_KIND)) {
      // Validation reports an undefined provider or one of another kind (zipkin...).
      return null;
    }
    double sampling =
        merged.sampling != null
            ? merged.sampling
            : mesh.defaultConfig().tracingSampling() != null
                ? mesh.defaultConfig().tracingSampling()
                : DEFAULT_SAMPLING;
    HttpConnectionManager.Tracing.Builder t =
        HttpConnectionManager.Tracing.newBuilder()
            .setRandomSampling(Percent.newBuilder().setValue(sampling));
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("istio.canonical_revision", canonicalRevision(node));
    tags.put("istio.canonical_service", canonicalService(node));
    tags.put("istio.mesh_id", meshId(mesh));
    tags.put("istio.namespace", node.namespace());
    tags.putAll(merged.tags);
    tags.forEach(
        (k, v) ->
            t.addCustomTags(
                CustomTag.newBuilder()
                    .setTag(k)
                    .setLiteral(CustomTag.Literal.newBuilder().setValue(v))));
    if (!merged.disableSpanReporting) {
      t.setProvider(
          Http.newBuilder()
              .setName(OPENTELEMETRY_TRACER)
              .setTypedConfig(Any.pack(openTelemetry(provider, node))));
    }
    return t.build();
  }

  private static OpenTelemetryConfig openTelemetry(
      MeshConfig.ExtensionProvider provider, ProxyNode node) {
    String service = provider.settings().getOrDefault("service", "");
    int port = Integer.parseInt(provider.settings().getOrDefault("port", "4317"));
    String cluster = ClusterNames.outbound(port, "", service);
    OpenTelemetryConfig.Builder otel =
        OpenTelemetryConfig.newBuilder()
            .setServiceName(canonicalService(node) + "." + node.namespace());
    String httpPath = provider.settings().get("http.path");
    if (httpPath != null) {
      otel.setHttpService(
          HttpService.newBuilder()
              .setHttpUri(
                  HttpUri.newBuilder()
                      .setUri("http://" + service + ":" + port + httpPath)
                      .setCluster(cluster)
                      .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5))));
    } else {
      otel.setGrpcService(
          GrpcService.newBuilder()
              .setEnvoyGrpc(
                  GrpcService.EnvoyGrpc.newBuilder()
                      .setClusterName(cluster)
                      .setAuthority(service)));
    }
    return otel.build();
  }

  /**
   * Istio's canonical service: its label, else {@code app.kubernetes.io/name}, else {@code app}.
   */
  static String canonicalService(ProxyNode node) {
    for (String key : List.of("service.istio.io/canonical-name", "app.kubernetes.io/name", "app")) {
      String v = node.labels().get(key);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    String[] parts = node.id().split("~");
    if (parts.length == 4 && !parts[2].isEmpty()) {
      int dot = parts[2].lastIndexOf('.');
      return dot > 0 ? parts[2].substring(0, dot) : parts[2];
    }
    return "unknown";
  }

  private static String canonicalRevision(ProxyNode node) {
    for (String key :
        List.of("service.istio.io/canonical-revision", "app.kubernetes.io/version", "version")) {
      String v = node.labels().get(key);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "latest";
  }

  /** Istio's mesh id defaults to the trust domain. */
  private static String meshId(MeshConfig mesh) {
    String id = mesh.defaultConfig().proxyMetadata().get("ISTIO_META_MESH_ID");
    return id == null || id.isEmpty() ? mesh.trustDomain() : id;
  }
}
