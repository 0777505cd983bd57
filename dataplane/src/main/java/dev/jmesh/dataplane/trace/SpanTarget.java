package dev.jmesh.dataplane.trace;

/**
 * Where an OpenTelemetry tracer sends its spans over OTLP/gRPC: a cluster of the mesh (Envoy's
 * {@code envoy_grpc}, as istiod writes it: an endpoint is picked from the cluster's hosts) or a
 * fixed {@code host:port} (Envoy's {@code google_grpc} {@code target_uri}).
 *
 * @param cluster the cluster name, e.g. {@code outbound|4317||otel.istio-system.svc.cluster.local};
 *     {@code null} for a fixed target
 * @param authority the {@code :authority} to send, {@code null} for the channel's default
 * @param target {@code host:port} when {@code cluster} is {@code null}
 * @param timeoutMillis the deadline of one export call
 */
public record SpanTarget(String cluster, String authority, String target, long timeoutMillis) {

  @Override
  public String toString() {
    return cluster != null ? "cluster " + cluster : target;
  }
}
