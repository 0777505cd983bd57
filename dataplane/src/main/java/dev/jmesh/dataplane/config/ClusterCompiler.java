package dev.jmesh.dataplane.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Compiles {@code Cluster} and {@code ClusterLoadAssignment} resources. */
final class ClusterCompiler {

  static final String CLUSTER = "Cluster";
  static final String ASSIGNMENT = "ClusterLoadAssignment";

  private static final Set<String> CLUSTER_FIELDS =
      Set.of(
          "name", "type", "eds_cluster_config", "connect_timeout", "lb_policy", "load_assignment");
  private static final Set<String> EDS_CONFIG = Set.of("eds_config", "service_name");
  private static final Set<String> CONFIG_SOURCE =
      Set.of("ads", "self", "resource_api_version", "initial_fetch_timeout");
  private static final Set<String> ASSIGNMENT_FIELDS = Set.of("cluster_name", "endpoints");
  private static final Set<String> LOCALITY_ENDPOINTS =
      Set.of("locality", "lb_endpoints", "load_balancing_weight", "priority");
  private static final Set<String> LOCALITY = Set.of("region", "zone", "sub_zone");
  private static final Set<String> LB_ENDPOINT =
      Set.of("endpoint", "health_status", "load_balancing_weight");
  private static final Set<String> ENDPOINT = Set.of("address");
  private static final Set<String> ADDRESS = Set.of("socket_address");
  private static final Set<String> SOCKET_ADDRESS = Set.of("address", "port_value", "protocol");
  private static final long DEFAULT_CONNECT_TIMEOUT_NANOS = 5_000_000_000L;

  private ClusterCompiler() {}

  static ClusterConfig cluster(Cluster c) throws InvalidConfigException {
    SupportedFields.check(c, "", CLUSTER_FIELDS);
    if (c.getName().isEmpty()) {
      throw new InvalidConfigException("name", "must not be empty");
    }
    ClusterConfig.LbPolicy lb;
    switch (c.getLbPolicy()) {
      case ROUND_ROBIN:
        lb = ClusterConfig.LbPolicy.ROUND_ROBIN;
        break;
      case LEAST_REQUEST:
        lb = ClusterConfig.LbPolicy.LEAST_REQUEST;
        break;
      case RANDOM:
        lb = ClusterConfig.LbPolicy.RANDOM;
        break;
      case RING_HASH:
        lb = ClusterConfig.LbPolicy.RING_HASH;
        break;
      case MAGLEV:
        lb = ClusterConfig.LbPolicy.MAGLEV;
        break;
      default:
        throw new InvalidConfigException("lb_policy", c.getLbPolicy() + " not supported");
    }
    long connectTimeout =
        c.hasConnectTimeout()
            ? Policies.nanos(c.getConnectTimeout(), "connect_timeout")
            : DEFAULT_CONNECT_TIMEOUT_NANOS;
    switch (c.getType()) {
      case EDS:
        {
          if (c.hasLoadAssignment()) {
            throw new InvalidConfigException("load_assignment", "not used by an EDS cluster");
          }
          String service = c.getName();
          if (c.hasEdsClusterConfig()) {
            SupportedFields.check(c.getEdsClusterConfig(), "eds_cluster_config", EDS_CONFIG);
            configSource(c.getEdsClusterConfig().getEdsConfig(), "eds_cluster_config.eds_config");
            if (!c.getEdsClusterConfig().getServiceName().isEmpty()) {
              service = c.getEdsClusterConfig().getServiceName();
            }
          }
          return new ClusterConfig(
              c.getName(), ClusterConfig.Discovery.EDS, service, lb, connectTimeout, List.of());
        }
      case STATIC:
        if (c.hasEdsClusterConfig()) {
          throw new InvalidConfigException("eds_cluster_config", "only for an EDS cluster");
        }
        return new ClusterConfig(
            c.getName(),
            ClusterConfig.Discovery.STATIC,
            null,
            lb,
            connectTimeout,
            endpoints(c.getLoadAssignment(), "load_assignment"));
      default:
        throw new InvalidConfigException("type", c.getType() + " not supported");
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
        int weight = lbe.hasLoadBalancingWeight() ? lbe.getLoadBalancingWeight().getValue() : 1;
        if (weight < 1) {
          throw new InvalidConfigException(eat + ".load_balancing_weight", "must be at least 1");
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
                weight,
                le.getPriority(),
                le.getLocality().getRegion(),
                le.getLocality().getZone(),
                le.getLocality().getSubZone(),
                le.hasLoadBalancingWeight() ? le.getLoadBalancingWeight().getValue() : 0,
                health));
      }
    }
    return out;
  }
}
