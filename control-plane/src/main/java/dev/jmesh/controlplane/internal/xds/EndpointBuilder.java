package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds ClusterLoadAssignments, endpoints grouped by locality. */
final class EndpointBuilder {
  private EndpointBuilder() {}

  /**
   * Every endpoint at priority 0, each locality weighted by its endpoints (gRPC ignores
   * localities without a weight). {@link LocalityLoadBalancer} gives the per-proxy variant.
   */
  static ClusterLoadAssignment build(String clusterName, int servicePort,
      List<ServiceEndpoint> endpoints) {
    Map<String, LocalityLbEndpoints.Builder> byLocality = new TreeMap<>();
    for (ServiceEndpoint e : endpoints) {
      Integer port = e.ports().get(servicePort);
      if (port == null) {
        continue;
      }
      LocalityLbEndpoints.Builder group = byLocality.computeIfAbsent(e.locality(),
          EndpointBuilder::locality);
      group.addLbEndpoints(lbEndpoint(e, port));
      group.setLoadBalancingWeight(UInt32Value.of(
          group.getLoadBalancingWeight().getValue() + e.weight()));
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder()
        .setClusterName(clusterName);
    byLocality.values().forEach(cla::addEndpoints);
    return cla.build();
  }

  static LbEndpoint lbEndpoint(ServiceEndpoint e, int port) {
    LbEndpoint.Builder lb = LbEndpoint.newBuilder()
        .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
            .setSocketAddress(SocketAddress.newBuilder()
                .setAddress(e.address()).setPortValue(port))))
        .setHealthStatus(e.ready() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
        .setLoadBalancingWeight(UInt32Value.of(e.weight()));
    Metadata.Builder metadata = Metadata.newBuilder();
    if (e.meshed()) {
      // What auto mTLS's tlsMode-istio transport socket match selects, as istiod writes it.
      metadata.putFilterMetadata(ClusterBuilder.TRANSPORT_SOCKET_MATCH, TLS_MODE_ISTIO);
    }
    if (!e.workload().isEmpty()) {
      metadata.putFilterMetadata(ISTIO, Struct.newBuilder().putFields(WORKLOAD,
          Value.newBuilder().setStringValue(workload(e)).build()).build());
    }
    if (metadata.getFilterMetadataCount() > 0) {
      lb.setMetadata(metadata);
    }
    return lb.build();
  }

  private static final String ISTIO = "istio";
  private static final String WORKLOAD = "workload";

  /**
   * istiod's {@code filter_metadata.istio.workload} of an endpoint, {@code
   * name;namespace;canonical service;canonical revision;cluster}: the caller's metrics name the
   * workload that answered with it (the source reporter's {@code destination_workload}) without
   * waiting for the peer's metadata. The cluster is left empty, as jmesh's workloads report none.
   */
  static String workload(ServiceEndpoint e) {
    Map<String, String> labels = e.labels();
    String canonical = labels.getOrDefault("service.istio.io/canonical-name",
        labels.getOrDefault("app", e.workload()));
    String revision = labels.getOrDefault("service.istio.io/canonical-revision",
        labels.getOrDefault("version", "latest"));
    return e.workload() + ";" + e.workloadNamespace() + ";" + canonical + ";" + revision + ";";
  }

  private static final Struct TLS_MODE_ISTIO = Struct.newBuilder()
      .putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()).build();

  static LocalityLbEndpoints.Builder locality(String locality) {
    Locality.Builder l = Locality.newBuilder();
    String[] parts = locality.split("/", 3);
    if (parts.length > 0 && !parts[0].isEmpty()) {
      l.setRegion(parts[0]);
    }
    if (parts.length > 1) {
      l.setZone(parts[1]);
    }
    if (parts.length > 2) {
      l.setSubZone(parts[2]);
    }
    return LocalityLbEndpoints.newBuilder().setLocality(l);
  }
}
