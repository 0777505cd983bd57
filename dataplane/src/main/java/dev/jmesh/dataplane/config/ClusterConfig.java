package dev.jmesh.dataplane.config;

import java.util.List;

/**
 * A compiled upstream cluster: how to balance and where its endpoints are.
 *
 * @param name the cluster name routes refer to
 * @param discovery how endpoints are found
 * @param edsServiceName the {@code ClusterLoadAssignment} name for EDS (the cluster name when
 *     unset)
 * @param lbPolicy the load-balancing policy
 * @param connectTimeoutNanos connect timeout, Envoy's default 5 s when unset
 * @param endpoints the endpoints, empty until EDS delivers them
 */
public record ClusterConfig(
    String name,
    Discovery discovery,
    String edsServiceName,
    LbPolicy lbPolicy,
    long connectTimeoutNanos,
    List<Endpoint> endpoints) {

  /** Envoy's cluster discovery types jmesh supports. */
  public enum Discovery {
    STATIC,
    EDS
  }

  /** Envoy's {@code lb_policy} values jmesh supports. */
  public enum LbPolicy {
    ROUND_ROBIN,
    LEAST_REQUEST,
    RANDOM,
    RING_HASH,
    MAGLEV
  }

  public ClusterConfig {
    endpoints = List.copyOf(endpoints);
  }

  /** This cluster with the endpoints of an EDS assignment. */
  ClusterConfig withEndpoints(List<Endpoint> newEndpoints) {
    return new ClusterConfig(
        name, discovery, edsServiceName, lbPolicy, connectTimeoutNanos, newEndpoints);
  }
}
