package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.UInt32Value;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
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

  static ClusterLoadAssignment build(String clusterName, int servicePort,
      List<ServiceEndpoint> endpoints) {
    return build(clusterName, servicePort, endpoints, "");
  }

  /**
   * With a proxy locality, endpoints get Istio's failover priorities: same region, zone and
   * subzone first, then same zone, then same region, then the rest (renumbered from 0, as
   * Envoy and gRPC want consecutive priorities).
   */
  static ClusterLoadAssignment build(String clusterName, int servicePort,
      List<ServiceEndpoint> endpoints, String proxyLocality) {
    Map<String, LocalityLbEndpoints.Builder> byLocality = new TreeMap<>();
    for (ServiceEndpoint e : endpoints) {
      Integer port = e.ports().get(servicePort);
      if (port == null) {
        continue;
      }
      LocalityLbEndpoints.Builder group = byLocality.computeIfAbsent(e.locality(),
          EndpointBuilder::locality);
      group.addLbEndpoints(LbEndpoint.newBuilder()
          .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
              .setSocketAddress(SocketAddress.newBuilder()
                  .setAddress(e.address()).setPortValue(port))))
          .setHealthStatus(e.ready() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
          .setLoadBalancingWeight(UInt32Value.of(e.weight())));
      // gRPC ignores localities without a weight; like Istio, weigh them by their endpoints.
      group.setLoadBalancingWeight(UInt32Value.of(
          group.getLoadBalancingWeight().getValue() + e.weight()));
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder()
        .setClusterName(clusterName);
    if (!proxyLocality.isEmpty()) {
      java.util.TreeSet<Integer> used = new java.util.TreeSet<>();
      byLocality.keySet().forEach(l -> used.add(priority(proxyLocality, l)));
      List<Integer> order = new java.util.ArrayList<>(used);
      byLocality.forEach((l, group) -> group.setPriority(order.indexOf(priority(proxyLocality, l))));
    }
    byLocality.values().forEach(cla::addEndpoints);
    return cla.build();
  }

  static int priority(String proxy, String endpoint) {
    String[] p = (proxy + "//").split("/", -1);
    String[] e = (endpoint + "//").split("/", -1);
    if (endpoint.isEmpty() || !p[0].equals(e[0])) {
      return 3;
    }
    if (!p[1].equals(e[1])) {
      return 2;
    }
    return p[2].equals(e[2]) ? 0 : 1;
  }

  private static LocalityLbEndpoints.Builder locality(String locality) {
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
