package dev.jmesh.dataplane.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Who this workload is, as the xDS {@code node} tells the control plane: its id (one per
 * process), cluster, locality and metadata under Istio's keys ({@code NAMESPACE}, {@code
 * LABELS}) and jmesh's ({@code MESH_SERVICE}). {@code extraMetadata} carries any further string
 * keys the control plane reads, such as {@code INSTANCE_IPS}, {@code SERVICE_ACCOUNT} or {@code
 * MESH_PORTS}.
 *
 * <pre>{@code
 * NodeInfo node = new NodeInfo("reviews-7f9c~10.0.0.7", "reviews", "eu-west1", "b", "",
 *     "reviews", "default", Map.of("version", "v2"), Map.of("INSTANCE_IPS", "10.0.0.7"));
 * }</pre>
 */
public record NodeInfo(
    String id,
    String cluster,
    String region,
    String zone,
    String subZone,
    String service,
    String namespace,
    Map<String, String> labels,
    Map<String, String> extraMetadata) {

  static final String USER_AGENT = "jmesh";

  public NodeInfo {
    Objects.requireNonNull(id, "id");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("node id must not be empty");
    }
    cluster = Objects.requireNonNullElse(cluster, "");
    region = Objects.requireNonNullElse(region, "");
    zone = Objects.requireNonNullElse(zone, "");
    subZone = Objects.requireNonNullElse(subZone, "");
    service = Objects.requireNonNullElse(service, "");
    namespace = Objects.requireNonNullElse(namespace, "");
    labels = Map.copyOf(labels);
    extraMetadata = Map.copyOf(extraMetadata);
  }

  /** The xDS {@code node} sent on the first request of every ADS stream. */
  public Node toNode() {
    Struct.Builder metadata = Struct.newBuilder();
    new TreeMap<>(extraMetadata).forEach((k, v) -> metadata.putFields(k, text(v)));
    if (!service.isEmpty()) {
      metadata.putFields("MESH_SERVICE", text(service));
    }
    if (!namespace.isEmpty()) {
      metadata.putFields("NAMESPACE", text(namespace));
    }
    if (!labels.isEmpty()) {
      Struct.Builder labelStruct = Struct.newBuilder();
      new TreeMap<>(labels).forEach((k, v) -> labelStruct.putFields(k, text(v)));
      metadata.putFields("LABELS", Value.newBuilder().setStructValue(labelStruct).build());
    }
    Node.Builder node =
        Node.newBuilder()
            .setId(id)
            .setCluster(cluster)
            .setUserAgentName(USER_AGENT)
            .setMetadata(metadata);
    if (!region.isEmpty() || !zone.isEmpty() || !subZone.isEmpty()) {
      node.setLocality(
          Locality.newBuilder().setRegion(region).setZone(zone).setSubZone(subZone));
    }
    return node.build();
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
