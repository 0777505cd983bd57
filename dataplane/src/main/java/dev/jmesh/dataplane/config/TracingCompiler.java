package dev.jmesh.dataplane.config;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.jmesh.dataplane.trace.SpanTarget;
import dev.jmesh.dataplane.trace.Tracing;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Compiles an HTTP connection manager's {@code tracing}, as istiod writes it for a Telemetry {@code
 * tracing} provider of kind {@code opentelemetry}: Envoy's OpenTelemetry tracer ({@code
 * envoy.tracers.opentelemetry}) exporting OTLP over gRPC to a cluster ({@code envoy_grpc}) or a
 * {@code google_grpc} target, or OTLP/HTTP ({@code http_service}), its {@code service_name}, {@code
 * random_sampling} and literal {@code custom_tags}. Anything else — another tracer, a sampler or
 * resource detector, tags read from headers, environment or metadata — is refused with the field
 * and the reason, so the listener is NACKed and the last good one stays.
 */
final class TracingCompiler {

  static final String OPENTELEMETRY = "envoy.tracers.opentelemetry";

  /** Envoy's default deadline of a gRPC call the tracer makes, when the config gives none. */
  static final long DEFAULT_TIMEOUT_MILLIS = 5_000;

  private static final Set<String> TRACING =
      Set.of(
          "provider",
          "random_sampling",
          "overall_sampling",
          "client_sampling",
          "custom_tags",
          "max_path_tag_length",
          "verbose");
  private static final Set<String> PROVIDER = Set.of("name", "typed_config");
  private static final Set<String> OTEL = Set.of("grpc_service", "service_name", "http_service");
  private static final Set<String> GRPC = Set.of("envoy_grpc", "google_grpc", "timeout");
  private static final Set<String> ENVOY_GRPC = Set.of("cluster_name", "authority");
  private static final Set<String> GOOGLE_GRPC = Set.of("target_uri", "stat_prefix");
  private static final Set<String> CUSTOM_TAG = Set.of("tag", "literal");
  private static final Set<String> HTTP_SERVICE = Set.of("http_uri");
  private static final Set<String> HTTP_URI = Set.of("uri", "cluster", "timeout");

  private TracingCompiler() {}

  /** The compiled tracing, {@code null} when the connection manager has none. */
  static Tracing compile(HttpConnectionManager hcm) throws InvalidConfigException {
    if (!hcm.hasTracing()) {
      return null;
    }
    try {
      return compile(hcm.getTracing());
    } catch (InvalidConfigException e) {
      throw e.under("tracing");
    }
  }

  private static Tracing compile(HttpConnectionManager.Tracing t) throws InvalidConfigException {
    SupportedFields.check(t, "", TRACING);
    if (t.hasOverallSampling() && t.getOverallSampling().getValue() < 100) {
      throw new InvalidConfigException(
          "overall_sampling", "only 100 is supported; sample with random_sampling");
    }
    if (t.hasClientSampling() && t.getClientSampling().getValue() < 100) {
      throw new InvalidConfigException(
          "client_sampling", "only 100 is supported (x-client-trace-id is not read)");
    }
    // Envoy samples every request when random_sampling is not given.
    double percent = t.hasRandomSampling() ? t.getRandomSampling().getValue() : 100;
    if (!(percent >= 0 && percent <= 100)) {
      throw new InvalidConfigException(
          "random_sampling.value", percent + " is not a percentage between 0 and 100");
    }
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < t.getCustomTagsCount(); i++) {
      CustomTag tag = t.getCustomTags(i);
      String at = "custom_tags[" + i + "]";
      if (!tag.hasLiteral()) {
        throw new InvalidConfigException(
            at,
            "only literal tags are supported (tag "
                + tag.getTag()
                + " reads "
                + tag.getTypeCase().name().toLowerCase(java.util.Locale.ROOT)
                + ")");
      }
      SupportedFields.check(tag, at, CUSTOM_TAG);
      tags.put(tag.getTag(), tag.getLiteral().getValue());
    }
    if (!t.hasProvider()) {
      // Istio's disableSpanReporting: decisions are made and propagated, nothing is reported.
      return new Tracing(percent, null, "", tags);
    }
    SupportedFields.check(t.getProvider(), "provider", PROVIDER);
    if (!t.getProvider().getName().equals(OPENTELEMETRY)) {
      throw new InvalidConfigException(
          "provider.name",
          "tracer "
              + t.getProvider().getName()
              + " is not supported; only "
              + OPENTELEMETRY
              + " (Istio's opentelemetry provider) is");
    }
    if (!t.getProvider().getTypedConfig().is(OpenTelemetryConfig.class)) {
      throw new InvalidConfigException(
          "provider.typed_config",
          "type " + t.getProvider().getTypedConfig().getTypeUrl() + " is not OpenTelemetryConfig");
    }
    OpenTelemetryConfig otel;
    try {
      otel = t.getProvider().getTypedConfig().unpack(OpenTelemetryConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(
          "provider.typed_config", "cannot be parsed: " + e.getMessage());
    }
    String at = "provider.typed_config";
    SupportedFields.check(otel, at, OTEL);
    if (otel.hasHttpService()) {
      return new Tracing(
          percent,
          httpTarget(otel.getHttpService(), at + ".http_service"),
          otel.getServiceName(),
          tags);
    }
    if (!otel.hasGrpcService()) {
      throw new InvalidConfigException(
          at + ".grpc_service", "grpc_service or http_service is required");
    }
    return new Tracing(
        percent, target(otel.getGrpcService(), at + ".grpc_service"), otel.getServiceName(), tags);
  }

  /**
   * OTLP/HTTP, as istiod writes it for a provider with an {@code http} block: {@code http_uri}'s
   * path, sent to an endpoint of its {@code cluster} (or, without one, to the URI's own {@code
   * host:port}), with the URI's host as the {@code Host} header.
   */
  private static SpanTarget httpTarget(HttpService http, String at) throws InvalidConfigException {
    SupportedFields.check(http, at, HTTP_SERVICE);
    HttpUri uri = http.getHttpUri();
    SupportedFields.check(uri, at + ".http_uri", HTTP_URI);
    URI parsed;
    try {
      parsed = new URI(uri.getUri());
    } catch (URISyntaxException e) {
      throw new InvalidConfigException(at + ".http_uri.uri", "'" + uri.getUri() + "' is not a URI");
    }
    if (!"http".equals(parsed.getScheme()) || parsed.getHost() == null) {
      throw new InvalidConfigException(
          at + ".http_uri.uri",
          "'" + uri.getUri() + "' is not an http:// URI with a host (https is not supported)");
    }
    int port = parsed.getPort() < 0 ? 80 : parsed.getPort();
    String path =
        parsed.getRawPath() == null || parsed.getRawPath().isEmpty()
            ? "/v1/traces"
            : parsed.getRawPath();
    long timeout =
        uri.hasTimeout()
            ? uri.getTimeout().getSeconds() * 1000 + uri.getTimeout().getNanos() / 1_000_000
            : DEFAULT_TIMEOUT_MILLIS;
    String cluster = uri.getCluster().isEmpty() ? null : uri.getCluster();
    return new SpanTarget(
        cluster,
        parsed.getHost(),
        parsed.getHost() + ":" + port,
        timeout <= 0 ? DEFAULT_TIMEOUT_MILLIS : timeout,
        path);
  }

  private static SpanTarget target(GrpcService grpc, String at) throws InvalidConfigException {
    SupportedFields.check(grpc, at, GRPC);
    long timeout =
        grpc.hasTimeout()
            ? grpc.getTimeout().getSeconds() * 1000 + grpc.getTimeout().getNanos() / 1_000_000
            : DEFAULT_TIMEOUT_MILLIS;
    if (timeout <= 0) {
      timeout = DEFAULT_TIMEOUT_MILLIS;
    }
    if (grpc.hasEnvoyGrpc()) {
      SupportedFields.check(grpc.getEnvoyGrpc(), at + ".envoy_grpc", ENVOY_GRPC);
      String cluster = grpc.getEnvoyGrpc().getClusterName();
      if (cluster.isEmpty()) {
        throw new InvalidConfigException(at + ".envoy_grpc.cluster_name", "must not be empty");
      }
      String authority = grpc.getEnvoyGrpc().getAuthority();
      return new SpanTarget(cluster, authority.isEmpty() ? null : authority, null, timeout);
    }
    if (grpc.hasGoogleGrpc()) {
      SupportedFields.check(grpc.getGoogleGrpc(), at + ".google_grpc", GOOGLE_GRPC);
      String uri = grpc.getGoogleGrpc().getTargetUri();
      int colon = uri.lastIndexOf(':');
      if (colon <= 0 || !uri.substring(colon + 1).matches("[0-9]{1,5}")) {
        throw new InvalidConfigException(
            at + ".google_grpc.target_uri", "'" + uri + "' is not host:port");
      }
      return new SpanTarget(null, null, uri, timeout);
    }
    throw new InvalidConfigException(at, "envoy_grpc or google_grpc is required");
  }
}
