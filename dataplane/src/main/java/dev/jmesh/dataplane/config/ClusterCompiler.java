package dev.jmesh.dataplane.config;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Compiles {@code Cluster} and {@code ClusterLoadAssignment} resources. */
final class ClusterCompiler {

  static final String CLUSTER = "Cluster";
  static final String ASSIGNMENT = "ClusterLoadAssignment";

  private static final Set<String> CLUSTER_FIELDS =
      Set.of(
          "name",
          "type",
          "eds_cluster_config",
          "connect_timeout",
          "lb_policy",
          "load_assignment",
          "ring_hash_lb_config",
          "maglev_lb_config",
          "least_request_lb_config",
          "round_robin_lb_config",
          "common_lb_config",
          "outlier_detection",
          "circuit_breakers",
          "health_checks",
          "dns_lookup_family",
          "transport_socket",
          "transport_socket_matches",
          "typed_extension_protocol_options");
  private static final Set<String> EDS_CONFIG = Set.of("eds_config", "service_name");
  private static final Set<String> CONFIG_SOURCE =
      Set.of("ads", "self", "resource_api_version", "initial_fetch_timeout");
  private static final Set<String> ASSIGNMENT_FIELDS = Set.of("cluster_name", "endpoints");
  private static final Set<String> LOCALITY_ENDPOINTS =
      Set.of("locality", "lb_endpoints", "load_balancing_weight", "priority");
  private static final Set<String> LOCALITY = Set.of("region", "zone", "sub_zone");
  private static final Set<String> LB_ENDPOINT =
      Set.of("endpoint", "health_status", "load_balancing_weight", "metadata");

  /** The endpoint metadata namespace {@code transport_socket_matches} match against. */
  static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";

  private static final Set<String> ENDPOINT = Set.of("address");
  private static final Set<String> ADDRESS = Set.of("socket_address");
  private static final Set<String> SOCKET_ADDRESS = Set.of("address", "port_value", "protocol");
  private static final long DEFAULT_CONNECT_TIMEOUT_NANOS = 5_000_000_000L;
  private static final long MAX_UINT32 = 0xFFFF_FFFFL;

  private ClusterCompiler() {}

  static ClusterConfig cluster(Cluster c) throws InvalidConfigException {
    SupportedFields.check(c, "", CLUSTER_FIELDS);
    if (c.getName().isEmpty()) {
      throw new InvalidConfigException("name", "must not be empty");
    }
    ClusterConfig.LbPolicy lb = lbPolicy(c);
    long connectTimeout =
        c.hasConnectTimeout()
            ? Policies.nanos(c.getConnectTimeout(), "connect_timeout")
            : DEFAULT_CONNECT_TIMEOUT_NANOS;
    ClusterConfig.Discovery discovery;
    String service = null;
    List<Endpoint> endpoints = List.of();
    switch (c.getType()) {
      case EDS:
        if (c.hasLoadAssignment()) {
          throw new InvalidConfigException("load_assignment", "not used by an EDS cluster");
        }
        discovery = ClusterConfig.Discovery.EDS;
        service = c.getName();
        if (c.hasEdsClusterConfig()) {
          SupportedFields.check(c.getEdsClusterConfig(), "eds_cluster_config", EDS_CONFIG);
          configSource(c.getEdsClusterConfig().getEdsConfig(), "eds_cluster_config.eds_config");
          if (!c.getEdsClusterConfig().getServiceName().isEmpty()) {
            service = c.getEdsClusterConfig().getServiceName();
          }
        }
        break;
      case STATIC:
      case STRICT_DNS:
        if (c.hasEdsClusterConfig()) {
          throw new InvalidConfigException("eds_cluster_config", "only for an EDS cluster");
        }
        discovery =
            c.getType() == Cluster.DiscoveryType.STATIC
                ? ClusterConfig.Discovery.STATIC
                : ClusterConfig.Discovery.STRICT_DNS;
        endpoints = endpoints(c.getLoadAssignment(), "load_assignment");
        break;
      case ORIGINAL_DST:
        if (c.hasEdsClusterConfig() || c.hasLoadAssignment()) {
          throw new InvalidConfigException(
              c.hasLoadAssignment() ? "load_assignment" : "eds_cluster_config",
              "an ORIGINAL_DST cluster has no endpoints of its own");
        }
        if (lb != ClusterConfig.LbPolicy.CLUSTER_PROVIDED) {
          throw new InvalidConfigException(
              "lb_policy", "an ORIGINAL_DST cluster needs CLUSTER_PROVIDED");
        }
        discovery = ClusterConfig.Discovery.ORIGINAL_DST;
        break;
      default:
        throw new InvalidConfigException("type", c.getType() + " not supported");
    }
    if (lb == ClusterConfig.LbPolicy.CLUSTER_PROVIDED
        && discovery != ClusterConfig.Discovery.ORIGINAL_DST) {
      throw new InvalidConfigException("lb_policy", "CLUSTER_PROVIDED needs type ORIGINAL_DST");
    }
    return new ClusterConfig(
        c.getName(),
        discovery,
        service,
        lb,
        connectTimeout,
        endpoints,
        LoadBalancingCompiler.loadBalancing(c),
        c.hasOutlierDetection()
            ? ClusterPolicyCompiler.outlierDetection(c.getOutlierDetection())
            : null,
        c.hasCircuitBreakers()
            ? ClusterPolicyCompiler.circuitBreakers(c.getCircuitBreakers())
            : CircuitBreakerThresholds.DEFAULTS,
        ClusterPolicyCompiler.healthCheck(c.getHealthChecksList()),
        dnsLookupFamily(c),
        c.hasTransportSocket()
            ? ClusterPolicyCompiler.transportSocket(c.getTransportSocket())
            : null,
        ClusterPolicyCompiler.protocolOptions(c.getTypedExtensionProtocolOptionsMap()),
        ClusterPolicyCompiler.transportSocketMatches(c.getTransportSocketMatchesList()));
  }

  private static ClusterConfig.LbPolicy lbPolicy(Cluster c) throws InvalidConfigException {
    switch (c.getLbPolicy()) {
      case ROUND_ROBIN:
        return ClusterConfig.LbPolicy.ROUND_ROBIN;
      case LEAST_REQUEST:
        return ClusterConfig.LbPolicy.LEAST_REQUEST;
      case RANDOM:
        return ClusterConfig.LbPolicy.RANDOM;
      case RING_HASH:
        return ClusterConfig.LbPolicy.RING_HASH;
      case MAGLEV:
        return ClusterConfig.LbPolicy.MAGLEV;
      case CLUSTER_PROVIDED:
        return ClusterConfig.LbPolicy.CLUSTER_PROVIDED;
      default:
        throw new InvalidConfigException("lb_policy", c.getLbPolicy() + " not supported");
    }
  }

  private static ClusterConfig.DnsLookupFamily dnsLookupFamily(Cluster c)
      throws InvalidConfigException {
    switch (c.getDnsLookupFamily()) {
      case AUTO:
        return ClusterConfig.DnsLookupFamily.AUTO;
      case V4_ONLY:
        return ClusterConfig.DnsLookupFamily.V4_ONLY;
      case V6_ONLY:
        return ClusterConfig.DnsLookupFamily.V6_ONLY;
      case V4_PREFERRED:
        return ClusterConfig.DnsLookupFamily.V4_PREFERRED;
      case ALL:
        return ClusterConfig.DnsLookupFamily.ALL;
      default:
        throw new InvalidConfigException("dns_lookup_family", "unknown value");
    }
  }

  private static void configSource(ConfigSource s, String at) throws InvalidConfigException {
    SupportedFields.check(s, at, CONFIG_SOURCE);
    if (!s.hasAds() && !s.hasSelf()) {
      throw new InvalidConfigException(at, "ads or self is required");
    }
  }

  static List<Endpoint> endpoints(ClusterLoadAssignment a, String at)
      throws InvalidConfigException {
    SupportedFields.check(a, at, ASSIGNMENT_FIELDS);
    List<Endpoint> out = new ArrayList<>();
    for (int l = 0; l < a.getEndpointsCount(); l++) {
      LocalityLbEndpoints le = a.getEndpoints(l);
      String lat = SupportedFields.join(at, "endpoints[" + l + "]");
      SupportedFields.check(le, lat, LOCALITY_ENDPOINTS);
      SupportedFields.check(le.getLocality(), lat + ".locality", LOCALITY);
      if (Integer.toUnsignedLong(le.getPriority()) > 128) {
        throw new InvalidConfigException(lat + ".priority", "must be at most 128");
      }
      if (le.hasLoadBalancingWeight() && le.getLoadBalancingWeight().getValue() == 0) {
        // As Envoy: a locality weighted 0 could never be picked; leave it out instead.
        throw new InvalidConfigException(lat + ".load_balancing_weight", "must be at least 1");
      }
      long localityWeightSum = 0;
      for (int e = 0; e < le.getLbEndpointsCount(); e++) {
        LbEndpoint lbe = le.getLbEndpoints(e);
        String eat = lat + ".lb_endpoints[" + e + "]";
        SupportedFields.check(lbe, eat, LB_ENDPOINT);
        SupportedFields.check(lbe.getEndpoint(), eat + ".endpoint", ENDPOINT);
        SupportedFields.check(lbe.getEndpoint().getAddress(), eat + ".endpoint.address", ADDRESS);
        SocketAddress sa = lbe.getEndpoint().getAddress().getSocketAddress();
        String sat = eat + ".endpoint.address.socket_address";
        SupportedFields.check(sa, sat, SOCKET_ADDRESS);
        if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
          throw new InvalidConfigException(sat + ".protocol", "only TCP is supported");
        }
        if (sa.getAddress().isEmpty()) {
          throw new InvalidConfigException(sat + ".address", "must not be empty");
        }
        if (sa.getPortValue() < 1 || sa.getPortValue() > 65535) {
          throw new InvalidConfigException(sat + ".port_value", "must be in [1, 65535]");
        }
        long weight =
            lbe.hasLoadBalancingWeight()
                ? Integer.toUnsignedLong(lbe.getLoadBalancingWeight().getValue())
                : 1;
        if (weight < 1) {
          throw new InvalidConfigException(eat + ".load_balancing_weight", "must be at least 1");
        }
        localityWeightSum += weight;
        if (localityWeightSum > MAX_UINT32) {
          // Envoy's limit: a priority's weights are summed in 32 bits.
          throw new InvalidConfigException(
              lat + ".lb_endpoints", "the sum of load_balancing_weight exceeds 4294967295");
        }
        Endpoint.Health health;
        switch (lbe.getHealthStatus()) {
          case UNKNOWN:
            health = Endpoint.Health.UNKNOWN;
            break;
          case HEALTHY:
            health = Endpoint.Health.HEALTHY;
            break;
          case UNHEALTHY:
            health = Endpoint.Health.UNHEALTHY;
            break;
          case DRAINING:
            health = Endpoint.Health.DRAINING;
            break;
          case TIMEOUT:
            health = Endpoint.Health.TIMEOUT;
            break;
          case DEGRADED:
            health = Endpoint.Health.DEGRADED;
            break;
          default:
            throw new InvalidConfigException(eat + ".health_status", "unknown value");
        }
        out.add(
            new Endpoint(
                sa.getAddress(),
                sa.getPortValue(),
                (int) Math.min(weight, Integer.MAX_VALUE),
                le.getPriority(),
                le.getLocality().getRegion(),
                le.getLocality().getZone(),
                le.getLocality().getSubZone(),
                le.hasLoadBalancingWeight() ? le.getLoadBalancingWeight().getValue() : 0,
                health,
                lbe.getMetadata().containsFilterMetadata(TRANSPORT_SOCKET_MATCH)
                    ? ClusterPolicyCompiler.strings(
                        lbe.getMetadata().getFilterMetadataOrThrow(TRANSPORT_SOCKET_MATCH),
                        eat + ".metadata.filter_metadata." + TRANSPORT_SOCKET_MATCH)
                    : Map.of(),
                workload(lbe)));
      }
    }
    return out;
  }

  /**
   * The endpoint's {@code filter_metadata.istio.workload}, {@code null} when absent or not a string
   * (metadata is opaque to Envoy: only labels depend on it, so it never refuses an endpoint).
   */
  private static EndpointWorkload workload(LbEndpoint lbe) {
    Struct istio = lbe.getMetadata().getFilterMetadataOrDefault(EndpointWorkload.FILTER, null);
    Value value = istio == null ? null : istio.getFieldsOrDefault(EndpointWorkload.KEY, null);
    return value == null || value.getKindCase() != Value.KindCase.STRING_VALUE
        ? null
        : EndpointWorkload.parse(value.getStringValue());
  }
}
