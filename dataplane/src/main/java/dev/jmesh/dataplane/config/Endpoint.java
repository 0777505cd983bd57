package dev.jmesh.dataplane.config;

import java.util.Map;

/**
 * One upstream endpoint of a cluster, from its {@code ClusterLoadAssignment}.
 *
 * @param address IP address or host name
 * @param port TCP port
 * @param weight {@code load_balancing_weight}, 1 when unset
 * @param priority the locality's priority, 0 is the highest
 * @param region the locality's region, empty when unset
 * @param zone the locality's zone
 * @param subZone the locality's sub-zone
 * @param localityWeight the locality's {@code load_balancing_weight}, 0 when unset
 * @param health Envoy's health status
 * @param transportSocketMatch the endpoint's {@code envoy.transport_socket_match} metadata (Istio's
 *     {@code tlsMode: istio} for a sidecar-capable endpoint), string values only; empty when none
 * @param workload the workload serving it ({@code filter_metadata.istio.workload}), {@code null}
 *     when the control plane did not say
 */
public record Endpoint(
    String address,
    int port,
    int weight,
    int priority,
    String region,
    String zone,
    String subZone,
    int localityWeight,
    Health health,
    Map<String, String> transportSocketMatch,
    EndpointWorkload workload) {

  public Endpoint {
    transportSocketMatch = Map.copyOf(transportSocketMatch);
  }

  /** An endpoint without metadata: no transport socket match, no known workload. */
  public Endpoint(
      String address,
      int port,
      int weight,
      int priority,
      String region,
      String zone,
      String subZone,
      int localityWeight,
      Health health) {
    this(
        address,
        port,
        weight,
        priority,
        region,
        zone,
        subZone,
        localityWeight,
        health,
        Map.of(),
        null);
  }

  /**
   * Whether a mesh proxy serves this endpoint: its metadata carries Istio's {@code tlsMode: istio}
   * (the label of a workload with a sidecar, which istiod and jmesh's control plane copy into the
   * endpoint for auto mTLS). Only such an endpoint reads peer metadata; see docs/protocol.md.
   */
  public boolean inMesh() {
    return "istio".equals(transportSocketMatch.get("tlsMode"));
  }

  /** Envoy's {@code HealthStatus}. */
  public enum Health {
    UNKNOWN,
    HEALTHY,
    UNHEALTHY,
    DRAINING,
    TIMEOUT,
    DEGRADED
  }
}
