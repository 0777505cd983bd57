package dev.jmesh.otel;

import dev.jmesh.bootstrap.MeshRequestFacts;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;

/**
 * The attributes the mesh adds to a span: the values of the request's Istio metrics and access log
 * line. Istio's own proxies tag their spans {@code upstream_cluster}, {@code response_flags} and
 * {@code guid:x-request-id}; here every mesh attribute is under {@code mesh.} (docs/telemetry.md
 * maps them).
 */
final class MeshSpanAttributes {

  static final AttributeKey<String> SOURCE_WORKLOAD = key("mesh.source.workload");
  static final AttributeKey<String> SOURCE_NAMESPACE = key("mesh.source.namespace");
  static final AttributeKey<String> SOURCE_PRINCIPAL = key("mesh.source.principal");
  static final AttributeKey<String> DESTINATION_WORKLOAD = key("mesh.destination.workload");
  static final AttributeKey<String> DESTINATION_NAMESPACE = key("mesh.destination.namespace");
  static final AttributeKey<String> DESTINATION_PRINCIPAL = key("mesh.destination.principal");
  static final AttributeKey<String> DESTINATION_SERVICE = key("mesh.destination.service");
  static final AttributeKey<String> ROUTE = key("mesh.route");
  static final AttributeKey<String> CLUSTER = key("mesh.upstream.cluster");
  static final AttributeKey<String> UPSTREAM_HOST = key("mesh.upstream.host");
  static final AttributeKey<String> RESPONSE_FLAGS = key("mesh.response_flags");
  static final AttributeKey<String> REQUEST_ID = key("mesh.request_id");

  private MeshSpanAttributes() {}

  /** {@code base} with the facts added (a value the mesh did not have is left out). */
  static Attributes with(Attributes base, MeshRequestFacts f) {
    AttributesBuilder b = base.toBuilder();
    put(b, SOURCE_WORKLOAD, f.sourceWorkload());
    put(b, SOURCE_NAMESPACE, f.sourceNamespace());
    put(b, SOURCE_PRINCIPAL, f.sourcePrincipal());
    put(b, DESTINATION_WORKLOAD, f.destinationWorkload());
    put(b, DESTINATION_NAMESPACE, f.destinationNamespace());
    put(b, DESTINATION_PRINCIPAL, f.destinationPrincipal());
    put(b, DESTINATION_SERVICE, f.destinationService());
    put(b, ROUTE, f.route());
    put(b, CLUSTER, f.cluster());
    put(b, UPSTREAM_HOST, f.upstreamHost());
    put(b, RESPONSE_FLAGS, f.responseFlags());
    put(b, REQUEST_ID, f.requestId());
    return b.build();
  }

  private static void put(AttributesBuilder b, AttributeKey<String> key, String value) {
    if (value != null && !value.isEmpty()) {
      b.put(key, value);
    }
  }

  private static AttributeKey<String> key(String name) {
    return AttributeKey.stringKey(name);
  }
}
