package dev.jmesh.controlplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Istio's DestinationRule: subsets and traffic policy of a host. */
public record DestinationRule(
    ResourceMeta meta,
    String host,
    TrafficPolicy trafficPolicy,
    List<Subset> subsets,
    List<String> exportTo,
    int hostLine)
    implements ConfigResource {

  public DestinationRule {
    subsets = List.copyOf(subsets);
    exportTo = List.copyOf(exportTo);
  }

  /** A named group of endpoints, by labels, with an optional policy of its own. */
  public record Subset(
      String name, Map<String, String> labels, TrafficPolicy trafficPolicy, int line) {
    public Subset {
      labels = Map.copyOf(labels);
    }
  }

  /** TrafficPolicy; every part may be null. */
  public record TrafficPolicy(
      LoadBalancer loadBalancer,
      ConnectionPool connectionPool,
      OutlierDetection outlierDetection,
      ClientTls tls,
      List<PortTrafficPolicy> portLevelSettings) {
    public static final TrafficPolicy NONE = new TrafficPolicy(null, null, null, null, List.of());

    public TrafficPolicy {
      portLevelSettings = List.copyOf(portLevelSettings);
    }
  }

  /** A policy that applies to one port only. */
  public record PortTrafficPolicy(
      int port,
      LoadBalancer loadBalancer,
      ConnectionPool connectionPool,
      OutlierDetection outlierDetection,
      ClientTls tls) {}

  /** LoadBalancerSettings: {@code simple} or {@code consistentHash}. */
  public record LoadBalancer(
      String simple, ConsistentHash consistentHash, Duration warmupDuration,
      LocalityLb localityLbSetting) {}

  /** Consistent hashing by header, cookie, source IP or query parameter. */
  public record ConsistentHash(
      String httpHeaderName,
      String httpCookieName,
      String httpCookiePath,
      Duration httpCookieTtl,
      boolean useSourceIp,
      String httpQueryParameterName,
      long ringHashMinimumRingSize,
      boolean maglev,
      long maglevTableSize) {}

  /**
   * localityLbSetting. {@code distribute} and {@code failover} exclude each other;
   * {@code failoverPriority} may come with {@code failover}.
   *
   * @param failover {@code from} region to {@code to} region
   * @param failoverPriority label names, each optionally {@code name=value}
   */
  public record LocalityLb(
      boolean enabled,
      List<Distribute> distribute,
      List<Failover> failover,
      List<String> failoverPriority) {
    public LocalityLb {
      distribute = List.copyOf(distribute);
      failover = List.copyOf(failover);
      failoverPriority = List.copyOf(failoverPriority);
    }
  }

  /**
   * Traffic from proxies in {@code from} goes to the localities of {@code to} by weight (in
   * the order written; the weights add up to 100). Localities are {@code region/zone/subzone}
   * with {@code *} for any.
   */
  public record Distribute(String from, Map<String, Integer> to) {
    public Distribute {
      to = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(to));
    }
  }

  /** When the proxy's region {@code from} has no healthy endpoint, use region {@code to}. */
  public record Failover(String from, String to) {}

  /** ConnectionPoolSettings (tcp and http); 0 means not set. */
  public record ConnectionPool(
      int maxConnections,
      Duration connectTimeout,
      int http1MaxPendingRequests,
      int http2MaxRequests,
      int maxRequestsPerConnection,
      int maxRetries,
      Duration idleTimeout,
      String h2UpgradePolicy) {}

  /** OutlierDetection; null fields were not given. */
  public record OutlierDetection(
      Integer consecutive5xxErrors,
      Integer consecutiveGatewayErrors,
      Integer consecutiveLocalOriginFailures,
      boolean splitExternalLocalOriginErrors,
      Duration interval,
      Duration baseEjectionTime,
      Integer maxEjectionPercent,
      Integer minHealthPercent) {}

  /** ClientTLSSettings. */
  public record ClientTls(String mode, String sni, List<String> subjectAltNames) {
    public ClientTls {
      subjectAltNames = List.copyOf(subjectAltNames);
    }
  }
}
