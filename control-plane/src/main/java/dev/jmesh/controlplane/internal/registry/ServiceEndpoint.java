package dev.jmesh.controlplane.internal.registry;

import java.util.Map;

/**
 * One address that serves a {@link MeshService}.
 *
 * @param ports service port number to the port on this endpoint
 * @param locality {@code region/zone/subzone}, empty when unknown
 * @param weight load-balancing weight, at least 1
 * @param source where it came from, such as {@code WorkloadEntry default/reviews-v1}
 * @param workload the workload serving it as it names itself in its metrics ({@code reviews-v1}
 *     for a WorkloadEntry, the service for a workload jmesh registered), empty when unknown (an
 *     EndpointSlice address, a ServiceEntry's inline endpoint, a DNS name)
 * @param workloadNamespace that workload's namespace, empty when unknown
 */
public record ServiceEndpoint(
    String address,
    Map<Integer, Integer> ports,
    Map<String, String> labels,
    String locality,
    int weight,
    String serviceAccount,
    boolean ready,
    String source,
    String workload,
    String workloadNamespace) {
  public ServiceEndpoint {
    ports = Map.copyOf(ports);
    labels = Map.copyOf(labels);
  }

  /** Istio's label of a workload with a sidecar, whose value {@code istio} means it takes mTLS. */
  public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";

  /**
   * Whether a mesh proxy serves this endpoint, so auto mTLS may use ISTIO_MUTUAL: a workload
   * labelled {@code security.istio.io/tlsMode: istio} (the registry gives that label to
   * workloads registered by jmesh's agent).
   */
  public boolean meshed() {
    return "istio".equals(labels.get(TLS_MODE_LABEL));
  }

  /** Whether this endpoint carries every label of {@code selector} (a DestinationRule subset). */
  public boolean matches(Map<String, String> selector) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
