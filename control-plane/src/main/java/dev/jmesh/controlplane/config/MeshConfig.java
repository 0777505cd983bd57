package dev.jmesh.controlplane.config;

import java.util.List;
import java.util.Map;

/**
 * The mesh-wide settings from {@code mesh.yaml}, with Istio's MeshConfig field names.
 *
 * @param trustDomain SPIFFE trust domain, {@code cluster.local} by default
 * @param rootNamespace namespace whose resources apply mesh-wide, {@code istio-system} by default
 * @param outboundTrafficPolicy ALLOW_ANY (default) or REGISTRY_ONLY
 * @param enableAutoMtls whether clients use mTLS automatically when the server can take it
 * @param defaultConfig proxy defaults
 * @param extensionProviders tracing and access-log providers, by name
 * @param accessLog {@code accessLogFile}, {@code accessLogEncoding} and {@code accessLogFormat}
 */
public record MeshConfig(
    String trustDomain,
    String rootNamespace,
    OutboundTrafficPolicy outboundTrafficPolicy,
    boolean enableAutoMtls,
    ProxyConfig defaultConfig,
    List<ExtensionProvider> extensionProviders,
    AccessLogSettings accessLog,
    Location location) {

  /** Istio's {@code accessLogEncoding}. */
  public enum AccessLogEncoding {
    TEXT,
    JSON
  }

  /**
   * The mesh-wide access log: Istio's {@code accessLogFile} (empty: off; {@code /dev/stdout} or a
   * file), {@code accessLogEncoding} and {@code accessLogFormat} (empty: Istio's default format for
   * the encoding; for JSON, a JSON object of keys to Envoy format strings). They are also what the
   * Telemetry API's built-in {@code envoy} provider writes.
   */
  public record AccessLogSettings(String file, AccessLogEncoding encoding, String format) {
    public static final AccessLogSettings OFF =
        new AccessLogSettings("", AccessLogEncoding.TEXT, "");
  }

  /** Istio's {@code outboundTrafficPolicy.mode}. */
  public enum OutboundTrafficPolicy {
    ALLOW_ANY,
    REGISTRY_ONLY
  }

  /** The basics of Istio's {@code defaultConfig} (ProxyConfig). */
  public record ProxyConfig(
      String discoveryAddress,
      Map<String, String> proxyMetadata,
      boolean holdApplicationUntilProxyStarts,
      Double tracingSampling,
      java.time.Duration drainDuration) {
    public ProxyConfig {
      proxyMetadata = Map.copyOf(proxyMetadata);
    }
  }

  /**
   * One {@code extensionProviders} entry. {@code type} is the key Istio uses for its kind
   * ({@code zipkin}, {@code opentelemetry}, {@code envoyFileAccessLog}, {@code prometheus}...);
   * {@code settings} holds that kind's scalar fields as written, and for
   * {@code envoyFileAccessLog} its {@code logFormat} as {@code logFormat.text} or
   * {@code logFormat.labels} (the labels as a JSON object, in their order).
   */
  public record ExtensionProvider(String name, String type, Map<String, String> settings) {
    public ExtensionProvider {
      settings = Map.copyOf(settings);
    }
  }

  public MeshConfig {
    extensionProviders = List.copyOf(extensionProviders);
  }

  /** Istio's defaults, used when there is no {@code mesh.yaml}. */
  public static MeshConfig defaults() {
    return new MeshConfig(
        "cluster.local",
        "istio-system",
        OutboundTrafficPolicy.ALLOW_ANY,
        true,
        new ProxyConfig("", Map.of(), false, null, null),
        List.of(),
        AccessLogSettings.OFF,
        Location.UNKNOWN);
  }
}
