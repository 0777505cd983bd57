package dev.jmesh.dataplane.trace;

/**
 * Where an OpenTelemetry tracer sends its spans, over OTLP/gRPC or, with an {@code httpPath},
 * OTLP/HTTP (protobuf): a cluster of the mesh (Envoy's {@code envoy_grpc} or {@code
 * http_uri.cluster}, as istiod writes them: an endpoint is picked from the cluster's hosts) or a
 * fixed {@code host:port} (Envoy's {@code google_grpc} {@code target_uri}, or the {@code
 * http_uri}'s own).
 *
 * @param cluster the cluster name, e.g. {@code outbound|4317||otel.istio-system.svc.cluster.local};
 *     {@code null} for a fixed target
 * @param authority the {@code :authority} to send, {@code null} for the channel's default
 * @param target {@code host:port} when {@code cluster} is {@code null}
 * @param timeoutMillis the deadline of one export call
 * @param httpPath the OTLP/HTTP path ({@code /v1/traces}); {@code null} for OTLP/gRPC
 */
public record SpanTarget(
    String cluster, String authority, String target, long timeoutMillis, String httpPath) {

  /** An OTLP/gRPC target. */
  public SpanTarget(String cluster, String authority, String target, long timeoutMillis) {
    this(cluster, authority, target, timeoutMillis, null);
  }

  @Override
  public String toString() {
    String where = cluster != null ? "cluster " + cluster : target;
    return httpPath == null ? where : where + " (OTLP/HTTP " + httpPath + ")";
  }
}
