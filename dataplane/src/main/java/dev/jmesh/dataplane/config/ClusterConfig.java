package dev.jmesh.dataplane.config;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import java.util.Map;

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
 * @param tls the upstream TLS context from {@code transport_socket}; {@code null} for plaintext
 *     (none, or {@code envoy.transport_sockets.raw_buffer})
 * @param httpProtocolOptions {@code envoy.extensions.upstreams.http.v3.HttpProtocolOptions} from
 *     {@code typed_extension_protocol_options}, carried for a later issue; {@code null} when unset
 * @param transportSocketMatches Envoy's {@code transport_socket_matches} in order: a host uses the
 *     first whose criteria its endpoint metadata meets, else {@link #tls()} (Istio's auto-mTLS)
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
    HttpProtocolOptions httpProtocolOptions,
    List<TransportSocketMatch> transportSocketMatches) {

  /**
   * One of {@code transport_socket_matches}.
   *
   * @param name the match's name (for stats and errors)
   * @param match the criteria: each key must have this value in the endpoint's {@code
   *     envoy.transport_socket_match} metadata; empty matches every endpoint
   * @param tls the TLS context to use, {@code null} for plaintext ({@code raw_buffer})
   */
  public record TransportSocketMatch(
      String name, Map<String, String> match, UpstreamTlsContext tls) {
    public TransportSocketMatch {
      match = Map.copyOf(match);
    }

    /** Whether an endpoint with this {@code envoy.transport_socket_match} metadata matches. */
    public boolean matches(Map<String, String> metadata) {
      for (Map.Entry<String, String> e : match.entrySet()) {
        if (!e.getValue().equals(metadata.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
  }

  /** A cluster without transport socket matches. */
  public ClusterConfig(
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
    this(
        name,
        discovery,
        edsServiceName,
        lbPolicy,
        connectTimeoutNanos,
        endpoints,
        loadBalancing,
        outlierDetection,
        circuitBreakers,
        healthCheck,
        dnsLookupFamily,
        tls,
        httpProtocolOptions,
        List.of());
  }

  /**
   * The TLS context for a host whose endpoint carries {@code metadata}: the first matching {@code
   * transport_socket_matches} entry's, else the cluster's; {@code null} for plaintext.
   */
  public UpstreamTlsContext tlsFor(Map<String, String> metadata) {
    for (int i = 0; i < transportSocketMatches.size(); i++) {
      TransportSocketMatch m = transportSocketMatches.get(i);
      if (m.matches(metadata)) {
        return m.tls();
      }
    }
    return tls;
  }

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
    transportSocketMatches = List.copyOf(transportSocketMatches);
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
        httpProtocolOptions,
        transportSocketMatches);
  }
}
