package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.UInt32Value;
import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.config.ServicePort;
import dev.jmesh.controlplane.internal.registry.MeshService;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Percent;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig;
import java.time.Duration;
import java.util.List;

/**
 * Builds the outbound Clusters of one service port: the default one and one per
 * DestinationRule subset, with the rule's traffic policy (the subset's own policy, then the
 * port-level one, then the rule's top-level one).
 */
final class ClusterBuilder {

  /** 2^32-1: Envoy's largest threshold, which istiod uses for "no limit". */
  private static final UInt32Value NO_LIMIT = UInt32Value.of(-1);

  private ClusterBuilder() {}

  /** Istio's default connect timeout. */
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  static final String HTTP_PROTOCOL_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  static ConfigSource ads() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  static Cluster build(MeshService service, ServicePort port, DestinationRule rule,
      DestinationRule.Subset subset, List<ServiceEndpoint> dnsEndpoints, String trustDomain) {
    return build(service, port, rule, subset, dnsEndpoints, trustDomain, false);
  }

  /**
   * The cluster; with {@code autoMtls} (Istio's {@code enableAutoMtls}, for clients that take
   * {@code transport_socket_matches}) a cluster whose rule sets no {@code tls} uses ISTIO_MUTUAL
   * towards endpoints labelled as meshed and plaintext towards the rest.
   */
  static Cluster build(MeshService service, ServicePort port, DestinationRule rule,
      DestinationRule.Subset subset, List<ServiceEndpoint> dnsEndpoints, String trustDomain,
      boolean autoMtls) {
    String name = ClusterNames.outbound(port.number(), subset == null ? "" : subset.name(),
        service.hostname());
    Policy policy = Policy.resolve(rule, subset, port.number());
    Cluster.Builder c = Cluster.newBuilder().setName(name)
        .setConnectTimeout(Protos.duration(policy.connectTimeout()));
    switch (service.resolution()) {
      case STATIC:
        c.setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(ads()).setServiceName(name));
        break;
      case DNS:
        c.setType(Cluster.DiscoveryType.STRICT_DNS)
            .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
            .setLoadAssignment(EndpointBuilder.build(name, port.number(), dnsEndpoints));
        break;
      default:
        c.setType(Cluster.DiscoveryType.ORIGINAL_DST)
            .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
        return c.build();
    }
    if (policy.tls != null) {
      TransportSocket socket = tlsSocket(policy.tls, service, port, subset, dnsEndpoints,
          trustDomain);
      if (socket != null) {
        c.setTransportSocket(socket);
      }
    } else if (autoMtls && !service.external()) {
      addAutoMtls(c, service, port, subset, dnsEndpoints, trustDomain);
    }
    applyLoadBalancer(c, policy.loadBalancer);
    applyConnectionPool(c, policy.connectionPool, port);
    if (policy.outlierDetection != null) {
      c.setOutlierDetection(outlierDetection(policy.outlierDetection));
      Integer minHealth = policy.outlierDetection.minHealthPercent();
      if (minHealth != null) {
        // Istio maps minHealthPercent to Envoy's panic threshold.
        c.getCommonLbConfigBuilder()
            .setHealthyPanicThreshold(Percent.newBuilder().setValue(minHealth));
      }
    }
    LocalityLoadBalancer locality = LocalityLoadBalancer.forCluster(
        policy.loadBalancer == null ? null : policy.loadBalancer.localityLbSetting(),
        policy.outlierDetection != null);
    if (locality != null && locality.distributes()) {
      // Envoy only honours the locality weights EDS gives with this set.
      c.getCommonLbConfigBuilder().setLocalityWeightedLbConfig(
          Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance());
    }
    return c.build();
  }

  /**
   * The per-proxy locality load balancing of a cluster's endpoints, null when every proxy sees
   * them alike: Istio's {@code localityLbSetting}, whose failover needs outlier detection (so
   * a failing locality is ejected).
   */
  static LocalityLoadBalancer localityBalancer(DestinationRule rule,
      DestinationRule.Subset subset, int port) {
    Policy p = Policy.resolve(rule, subset, port);
    return LocalityLoadBalancer.forCluster(
        p.loadBalancer == null ? null : p.loadBalancer.localityLbSetting(),
        p.outlierDetection != null);
  }

  /** The load balancer settings in force for a cluster; null when none is set. */
  static DestinationRule.LoadBalancer loadBalancer(DestinationRule rule,
      DestinationRule.Subset subset, int port) {
    return Policy.resolve(rule, subset, port).loadBalancer;
  }

  /**
   * DestinationRule {@code tls}: ISTIO_MUTUAL presents the workload's SVID and checks the
   * server's against the mesh root and the service accounts of the endpoints; SIMPLE and
   * MUTUAL check the server against {@code subjectAltNames} (MUTUAL's client certificate,
   * from {@code credentialName} or files, is not configured yet).
   * Certificates are referenced by provider instance, as in Istio's proxyless bootstrap.
   */
  private static TransportSocket tlsSocket(DestinationRule.ClientTls tls,
      MeshService service, ServicePort port, DestinationRule.Subset subset,
      List<ServiceEndpoint> endpoints, String trustDomain) {
    if (tls.mode().equals("DISABLE")) {
      return null;
    }
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
    java.util.Set<String> sans = new java.util.TreeSet<>(tls.subjectAltNames());
    String sni = tls.sni();
    if (tls.mode().equals("ISTIO_MUTUAL")) {
      common.setTlsCertificateProviderInstance(provider("default"));
      validation.setCaCertificateProviderInstance(provider("ROOTCA"));
      for (ServiceEndpoint e : endpoints) {
        if (!e.serviceAccount().isEmpty()) {
          sans.add("spiffe://" + trustDomain + "/ns/" + service.namespace() + "/sa/"
              + e.serviceAccount());
        }
      }
      if (sni.isEmpty()) {
        // Istio's SNI for mesh mTLS: outbound_.PORT_.SUBSET_.HOST
        sni = "outbound_." + port.number() + "_." + (subset == null ? "" : subset.name())
            + "_." + service.hostname();
      }
    }
    for (String san : sans) {
      validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
          .setSanType(san.startsWith("spiffe://") ? SubjectAltNameMatcher.SanType.URI
              : SubjectAltNameMatcher.SanType.DNS)
          .setMatcher(StringMatcher.newBuilder().setExact(san)));
    }
    common.setValidationContext(validation);
    UpstreamTlsContext.Builder upstream = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(common);
    if (!sni.isEmpty()) {
      upstream.setSni(sni);
    }
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(upstream.build())).build();
  }

  /** Endpoint metadata that auto mTLS's matches look for, on endpoints of meshed workloads. */
  static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";

  /**
   * Istio's auto mTLS: {@code tlsMode-istio} (ISTIO_MUTUAL, as an explicit rule would build it)
   * for endpoints whose metadata says {@code tlsMode: istio}, {@code tlsMode-disabled}
   * (plaintext) for every other.
   */
  private static void addAutoMtls(Cluster.Builder c, MeshService service, ServicePort port,
      DestinationRule.Subset subset, List<ServiceEndpoint> endpoints, String trustDomain) {
    TransportSocket mtls = tlsSocket(new DestinationRule.ClientTls("ISTIO_MUTUAL", "", List.of()),
        service, port, subset, endpoints, trustDomain);
    c.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
        .setName("tlsMode-istio")
        .setMatch(Struct.newBuilder().putFields("tlsMode",
            Value.newBuilder().setStringValue("istio").build()))
        .setTransportSocket(mtls));
    c.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
        .setName("tlsMode-disabled")
        .setMatch(Struct.getDefaultInstance())
        .setTransportSocket(TransportSocket.newBuilder()
            .setName("envoy.transport_sockets.raw_buffer")
            .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))));
  }

  private static CertificateProviderPluginInstance provider(String certificate) {
    return CertificateProviderPluginInstance.newBuilder().setInstanceName("default")
        .setCertificateName(certificate).build();
  }

  private static void applyLoadBalancer(Cluster.Builder c, DestinationRule.LoadBalancer lb) {
    // Istio's sidecars default to LEAST_REQUEST; grpc-java only accepts it behind an
    // experimental flag, so the shared default is ROUND_ROBIN.
    c.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
    if (lb == null) {
      return;
    }
    if (lb.consistentHash() != null) {
      DestinationRule.ConsistentHash ch = lb.consistentHash();
      if (ch.maglev()) {
        c.setLbPolicy(Cluster.LbPolicy.MAGLEV);
        if (ch.maglevTableSize() > 0) {
          c.setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder()
              .setTableSize(com.google.protobuf.UInt64Value.of(ch.maglevTableSize())));
        }
      } else {
        c.setLbPolicy(Cluster.LbPolicy.RING_HASH);
        if (ch.ringHashMinimumRingSize() > 0) {
          c.setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
              .setMinimumRingSize(com.google.protobuf.UInt64Value.of(
                  ch.ringHashMinimumRingSize())));
        }
      }
      return;
    }
    String simple = lb.simple() == null ? "UNSPECIFIED" : lb.simple();
    switch (simple) {
      case "LEAST_CONN":
      case "LEAST_REQUEST":
        c.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
        break;
      case "RANDOM":
        c.setLbPolicy(Cluster.LbPolicy.RANDOM);
        break;
      case "PASSTHROUGH":
        // An original-destination cluster has no endpoints to match sockets on (Istio's too).
        c.clearEdsClusterConfig().clearLoadAssignment().clearTransportSocketMatches()
            .setType(Cluster.DiscoveryType.ORIGINAL_DST)
            .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
        return;
      default:
        break;
    }
    if (lb.warmupDuration() != null && c.getLbPolicy() != Cluster.LbPolicy.RANDOM) {
      Cluster.SlowStartConfig slowStart = Cluster.SlowStartConfig.newBuilder()
          .setSlowStartWindow(Protos.duration(lb.warmupDuration())).build();
      if (c.getLbPolicy() == Cluster.LbPolicy.LEAST_REQUEST) {
        c.setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder()
            .setSlowStartConfig(slowStart));
      } else {
        c.setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder()
            .setSlowStartConfig(slowStart));
      }
    }
  }

  private static void applyConnectionPool(Cluster.Builder c, DestinationRule.ConnectionPool pool,
      ServicePort port) {
    boolean h2 = port.protocol().equals("GRPC") || port.protocol().equals("HTTP2")
        || (pool != null && "UPGRADE".equals(pool.h2UpgradePolicy()));
    c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(thresholds(pool)));
    boolean common = pool != null
        && (pool.maxRequestsPerConnection() > 0 || pool.idleTimeout() != null);
    if (!port.isHttp() || (!h2 && !common)) {
      return;
    }
    HttpProtocolOptions.Builder commonOptions = HttpProtocolOptions.newBuilder();
    if (pool != null && pool.maxRequestsPerConnection() > 0) {
      commonOptions.setMaxRequestsPerConnection(UInt32Value.of(pool.maxRequestsPerConnection()));
    }
    if (pool != null && pool.idleTimeout() != null) {
      commonOptions.setIdleTimeout(Protos.duration(pool.idleTimeout()));
    }
    ExplicitHttpConfig.Builder explicit = ExplicitHttpConfig.newBuilder();
    if (h2) {
      explicit.setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance());
    } else {
      explicit.setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance());
    }
    c.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS_KEY, Any.pack(
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setCommonHttpProtocolOptions(commonOptions)
            .setExplicitHttpConfig(explicit)
            .build()));
  }

  /**
   * Istio's circuit-breaker thresholds: every limit the DestinationRule leaves unset is 2^32-1 (no
   * limit) rather than Envoy's defaults (1024 connections, pending and requests; 3 concurrent
   * retries), which istiod overrides because three parallel retries trip during pod churn before
   * new endpoints arrive.
   */
  private static CircuitBreakers.Thresholds thresholds(DestinationRule.ConnectionPool pool) {
    CircuitBreakers.Thresholds.Builder t = CircuitBreakers.Thresholds.newBuilder()
        .setMaxConnections(NO_LIMIT)
        .setMaxPendingRequests(NO_LIMIT)
        .setMaxRequests(NO_LIMIT)
        .setMaxRetries(NO_LIMIT)
        .setTrackRemaining(true);
    if (pool == null) {
      return t.build();
    }
    if (pool.maxConnections() > 0) {
      t.setMaxConnections(UInt32Value.of(pool.maxConnections()));
    }
    if (pool.http1MaxPendingRequests() > 0) {
      t.setMaxPendingRequests(UInt32Value.of(pool.http1MaxPendingRequests()));
    }
    if (pool.http2MaxRequests() > 0) {
      t.setMaxRequests(UInt32Value.of(pool.http2MaxRequests()));
    }
    if (pool.maxRetries() > 0) {
      t.setMaxRetries(UInt32Value.of(pool.maxRetries()));
    }
    return t.build();
  }

  private static OutlierDetection outlierDetection(DestinationRule.OutlierDetection od) {
    OutlierDetection.Builder b = OutlierDetection.newBuilder();
    if (od.consecutive5xxErrors() != null) {
      b.setConsecutive5Xx(UInt32Value.of(od.consecutive5xxErrors()));
      b.setEnforcingConsecutive5Xx(UInt32Value.of(od.consecutive5xxErrors() > 0 ? 100 : 0));
    } else {
      // Istio turns Envoy's default 5xx detection off unless asked for.
      b.setEnforcingConsecutive5Xx(UInt32Value.of(0));
    }
    if (od.consecutiveGatewayErrors() != null) {
      b.setConsecutiveGatewayFailure(UInt32Value.of(od.consecutiveGatewayErrors()));
      b.setEnforcingConsecutiveGatewayFailure(
          UInt32Value.of(od.consecutiveGatewayErrors() > 0 ? 100 : 0));
    }
    if (od.consecutiveLocalOriginFailures() != null) {
      b.setConsecutiveLocalOriginFailure(UInt32Value.of(od.consecutiveLocalOriginFailures()));
    }
    b.setSplitExternalLocalOriginErrors(od.splitExternalLocalOriginErrors());
    if (od.interval() != null) {
      b.setInterval(Protos.duration(od.interval()));
    }
    if (od.baseEjectionTime() != null) {
      b.setBaseEjectionTime(Protos.duration(od.baseEjectionTime()));
    }
    if (od.maxEjectionPercent() != null) {
      b.setMaxEjectionPercent(UInt32Value.of(od.maxEjectionPercent()));
    }
    return b.build();
  }

  /** The policy in force for one cluster after merging subset, port and rule levels. */
  private static final class Policy {
    DestinationRule.LoadBalancer loadBalancer;
    DestinationRule.ConnectionPool connectionPool;
    DestinationRule.OutlierDetection outlierDetection;
    DestinationRule.ClientTls tls;

    Duration connectTimeout() {
      return connectionPool != null && connectionPool.connectTimeout() != null
          ? connectionPool.connectTimeout() : DEFAULT_CONNECT_TIMEOUT;
    }

    static Policy resolve(DestinationRule rule, DestinationRule.Subset subset, int port) {
      Policy p = new Policy();
      if (rule != null) {
        p.apply(rule.trafficPolicy(), port);
      }
      if (subset != null) {
        p.apply(subset.trafficPolicy(), port);
      }
      return p;
    }

    private void apply(DestinationRule.TrafficPolicy tp, int port) {
      if (tp == null) {
        return;
      }
      set(tp.loadBalancer(), tp.connectionPool(), tp.outlierDetection(), tp.tls());
      for (DestinationRule.PortTrafficPolicy pp : tp.portLevelSettings()) {
        if (pp.port() == port) {
          set(pp.loadBalancer(), pp.connectionPool(), pp.outlierDetection(), pp.tls());
        }
      }
    }

    private void set(DestinationRule.LoadBalancer lb, DestinationRule.ConnectionPool pool,
        DestinationRule.OutlierDetection od, DestinationRule.ClientTls t) {
      if (lb != null) {
        loadBalancer = lb;
      }
      if (pool != null) {
        connectionPool = pool;
      }
      if (od != null) {
        outlierDetection = od;
      }
      if (t != null) {
        tls = t;
      }
    }
  }

}
