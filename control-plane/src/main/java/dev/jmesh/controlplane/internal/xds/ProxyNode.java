package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who is asking for configuration: the proxy's id, namespace and labels, read from the xDS
 * {@code node} with Istio's metadata keys ({@code NAMESPACE}, {@code LABELS}) or from an Istio
 * node id ({@code sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local}).
 * {@code userAgent} is the node's {@code user_agent_name}: {@code jmesh} for jmesh's agent,
 * {@code envoy} for Envoy, {@code gRPC Java} (and the like) for proxyless gRPC.
 */
public record ProxyNode(String id, String namespace, Map<String, String> labels,
    java.util.List<String> ips, String locality, String userAgent) {
  /** The {@code user_agent_name} of jmesh's agent. */
  public static final String JMESH_AGENT = "jmesh";

  public ProxyNode {
    labels = Map.copyOf(labels);
    ips = java.util.List.copyOf(ips);
  }

  public ProxyNode(String id, String namespace, Map<String, String> labels,
      java.util.List<String> ips, String locality) {
    this(id, namespace, labels, ips, locality, "");
  }

  /**
   * Whether the client takes clusters with {@code transport_socket_matches} (Istio's auto
   * mTLS): jmesh's agent and Envoy do; grpc-xds NACKs such a cluster ("transport-socket-matches
   * not supported"), and a client that does not say who it is is treated like grpc.
   */
  public boolean takesTransportSocketMatches() {
    return userAgent.equals(JMESH_AGENT) || userAgent.equals("envoy");
  }

  /**
   * Whether the client carries connections the application made itself, to any address (jmesh's
   * agent, Envoy): only it gets Istio's {@code allow_any}/{@code block_all} virtual hosts for a
   * {@code Host} no service has. Proxyless gRPC addresses services by name only, and grpc-xds NACKs
   * a whole route configuration for one {@code direct_response} route ("unknown action type").
   */
  public boolean carriesAnyAddress() {
    return takesTransportSocketMatches();
  }

  public ProxyNode(String id, String namespace, Map<String, String> labels) {
    this(id, namespace, labels, java.util.List.of(), "");
  }

  public ProxyNode(String id, String namespace, Map<String, String> labels,
      java.util.List<String> ips) {
    this(id, namespace, labels, ips, "");
  }

  public static ProxyNode from(Node node) {
    Struct md = node.getMetadata();
    String namespace = text(md, "NAMESPACE");
    if (namespace.isEmpty()) {
      namespace = namespaceFromId(node.getId());
    }
    Map<String, String> labels = new LinkedHashMap<>();
    Value l = md.getFieldsOrDefault("LABELS", Value.getDefaultInstance());
    if (l.hasStructValue()) {
      l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, v.getStringValue()));
    }
    java.util.List<String> ips = new java.util.ArrayList<>();
    for (String ip : text(md, "INSTANCE_IPS").split(",")) {
      if (!ip.isBlank()) {
        ips.add(ip.trim());
      }
    }
    var loc = node.getLocality();
    String locality = loc.getRegion().isEmpty() && loc.getZone().isEmpty()
        && loc.getSubZone().isEmpty() ? ""
        : loc.getRegion() + "/" + loc.getZone() + "/" + loc.getSubZone();
    return new ProxyNode(node.getId(), namespace.isEmpty() ? "default" : namespace, labels, ips,
        locality, node.getUserAgentName());
  }

  private static String text(Struct md, String key) {
    return md.getFieldsOrDefault(key, Value.getDefaultInstance()).getStringValue();
  }

  private static String namespaceFromId(String id) {
    String[] parts = id.split("~");
    if (parts.length == 4) {
      int dot = parts[2].lastIndexOf('.');
      if (dot > 0) {
        return parts[2].substring(dot + 1);
      }
    }
    return "";
  }
}
