package dev.jmesh.dataplane.config;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;

/**
 * A compiled upstream cluster: how to balance, where its endpoints are, and how it protects itself
 * (outlier detection, circuit breakers, active health checks). Every field holds Envoy's default
 * when the resource leaves it unset.
 *
 * @param name the cluster name routes refer to
 * @param discovery how endpoints are found
 * @param edsServiceName the {@code ClusterLoadAssignment} name for EDS (the cluster name when
 *     unset); {@code null} for other discovery types
 * @param lbPolicy the load-balancing policy
 * @param connectTimeoutNanos connect timeout, Envoy's default 5 s when unset
 * @param endpoints the endpoints, empty until EDS delivers them (and always for {@link
 *     Discovery#ORIGINAL_DST})
 * @param loadBalancing the balancer's settings
 * @param outlierDetection passive health checking, {@code null} when the cluster has none
 * @param circuitBreakers the default-priority thresholds
 * @param healthCheck active health checking, {@code null} when the cluster has none
 * @param dnsLookupFamily for {@link Discovery#STRICT_DNS}, which address family to resolve
 * @param tls the upstream TLS context from {@code transport_socket}, carried for a later issue;
 *     {@code null} for plaintext
 * @param httpProtocolOptions {@code envoy.extensions.upstreams.http.v3.HttpProtocolOptions} from
 *     {@code typed_extension_protocol_options}, carried for a later issue; {@code null} when unset
 */
public record ClusterConfig(
    String name,
    Discovery discovery,
    String edsServiceName,
    LbPolicy lbPolicy,
    long connectTimeoutNanos,
    List<Endpoint> endpoints,
    LoadBalancingConfig loadBalancing,
    OutlierDetectionConfig outlierDetection,
    CircuitBreakerThresholds circuitBreakers,
    HealthCheckConfig healthCheck,
    DnsLookupFamily dnsLookupFamily,
    UpstreamTlsContext tls,
    HttpProtocolOptions httpProtocolOptions) {

  /** Envoy's cluster discovery types jmesh supports. */
  public enum Discovery {
    STATIC,
    EDS,
    /** Endpoints named by host name in {@code load_assignment}. */
    STRICT_DNS,
    /** A passthrough cluster: no endpoints, the caller keeps its original destination. */
    ORIGINAL_DST
  }

  /** Envoy's {@code lb_policy} values jmesh supports. */
  public enum LbPolicy {
    ROUND_ROBIN,
    LEAST_REQUEST,
    RANDOM,
    RING_HASH,
    MAGLEV,
    /** Only with {@link Discovery#ORIGINAL_DST}: the destination is the caller's own. */
    CLUSTER_PROVIDED
  }

  /** Envoy's {@code dns_lookup_family}. */
  public enum DnsLookupFamily {
    AUTO,
    V4_ONLY,
    V6_ONLY,
    V4_PREFERRED,
    ALL
  }

  public ClusterConfig {
    endpoints = List.copyOf(endpoints);
  }

  /** This cluster with the endpoints of an EDS assignment. */
  ClusterConfig withEndpoints(List<Endpoint> newEndpoints) {
    return new ClusterConfig(
        name,
        discovery,
        edsServiceName,
        lbPolicy,
        connectTimeoutNanos,
        newEndpoints,
        loadBalancing,
        outlierDetection,
        circuitBreakers,
        healthCheck,
        dnsLookupFamily,
        tls,
        httpProtocolOptions);
  }
}
