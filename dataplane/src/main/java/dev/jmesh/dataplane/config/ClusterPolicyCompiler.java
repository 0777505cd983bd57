package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles how a Cluster protects itself and talks to its hosts: {@code outlier_detection}, {@code
 * circuit_breakers}, {@code health_checks}, and the opaque TLS and HTTP protocol options carried
 * for later issues.
 */
final class ClusterPolicyCompiler {

  static final String TLS_SOCKET = "envoy.transport_sockets.tls";
  static final String RAW_BUFFER_SOCKET = "envoy.transport_sockets.raw_buffer";
  static final String HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private static final Set<String> OUTLIER =
      Set.of(
          "consecutive_5xx",
          "enforcing_consecutive_5xx",
          "consecutive_gateway_failure",
          "enforcing_consecutive_gateway_failure",
          "consecutive_local_origin_failure",
          "enforcing_consecutive_local_origin_failure",
          "split_external_local_origin_errors",
          "interval",
          "base_ejection_time",
          "max_ejection_time",
          "max_ejection_percent",
          "always_eject_one_host",
          "successful_active_health_check_uneject_host");
  private static final Set<String> CIRCUIT_BREAKERS = Set.of("thresholds");
  /**
   * {@code track_remaining} only adds Envoy's "remaining" gauges; istiod sets it on every cluster,
   * so it is accepted and has no effect.
   */
  private static final Set<String> THRESHOLDS =
      Set.of(
          "priority",
          "max_connections",
          "max_pending_requests",
          "max_requests",
          "max_retries",
          "track_remaining");
  private static final Set<String> HEALTH_CHECK =
      Set.of(
          "timeout",
          "interval",
          "unhealthy_threshold",
          "healthy_threshold",
          "http_health_check",
          "tcp_health_check");
  private static final Set<String> HTTP_HEALTH_CHECK = Set.of("host", "path", "expected_statuses");
  private static final Set<String> TRANSPORT_SOCKET = Set.of("name", "typed_config");
  private static final Set<String> TRANSPORT_SOCKET_MATCH =
      Set.of("name", "match", "transport_socket");

  private ClusterPolicyCompiler() {}

  static OutlierDetectionConfig outlierDetection(OutlierDetection o) throws InvalidConfigException {
    SupportedFields.check(o, "outlier_detection", OUTLIER);
    OutlierDetectionConfig d = OutlierDetectionConfig.DEFAULTS;
    String at = "outlier_detection.";
    long interval =
        o.hasInterval() ? positive(o.getInterval(), at + "interval") : d.intervalNanos();
    long base =
        o.hasBaseEjectionTime()
            ? positive(o.getBaseEjectionTime(), at + "base_ejection_time")
            : d.baseEjectionTimeNanos();
    long max =
        o.hasMaxEjectionTime()
            ? positive(o.getMaxEjectionTime(), at + "max_ejection_time")
            : d.maxEjectionTimeNanos();
    return new OutlierDetectionConfig(
        o.hasConsecutive5Xx() ? o.getConsecutive5Xx().getValue() : d.consecutive5xx(),
        percent(
            o.hasEnforcingConsecutive5Xx(),
            o.getEnforcingConsecutive5Xx().getValue(),
            d.enforcingConsecutive5xx(),
            at + "enforcing_consecutive_5xx"),
        o.hasConsecutiveGatewayFailure()
            ? o.getConsecutiveGatewayFailure().getValue()
            : d.consecutiveGatewayFailure(),
        percent(
            o.hasEnforcingConsecutiveGatewayFailure(),
            o.getEnforcingConsecutiveGatewayFailure().getValue(),
            d.enforcingConsecutiveGatewayFailure(),
            at + "enforcing_consecutive_gateway_failure"),
        o.hasConsecutiveLocalOriginFailure()
            ? o.getConsecutiveLocalOriginFailure().getValue()
            : d.consecutiveLocalOriginFailure(),
        percent(
            o.hasEnforcingConsecutiveLocalOriginFailure(),
            o.getEnforcingConsecutiveLocalOriginFailure().getValue(),
            d.enforcingConsecutiveLocalOriginFailure(),
            at + "enforcing_consecutive_local_origin_failure"),
        o.getSplitExternalLocalOriginErrors(),
        interval,
        base,
        max,
        percent(
            o.hasMaxEjectionPercent(),
            o.getMaxEjectionPercent().getValue(),
            d.maxEjectionPercent(),
            at + "max_ejection_percent"),
        o.hasAlwaysEjectOneHost() ? o.getAlwaysEjectOneHost().getValue() : d.alwaysEjectOneHost(),
        o.hasSuccessfulActiveHealthCheckUnejectHost()
            ? o.getSuccessfulActiveHealthCheckUnejectHost().getValue()
            : d.successfulActiveHealthCheckUnejectHost());
  }

  private static long positive(com.google.protobuf.Duration d, String at)
      throws InvalidConfigException {
    long nanos = Policies.nanos(d, at);
    if (nanos == 0) {
      throw new InvalidConfigException(at, "must be greater than 0");
    }
    return nanos;
  }

  private static int percent(boolean set, int value, int otherwise, String at)
      throws InvalidConfigException {
    if (!set) {
      return otherwise;
    }
    if (value < 0 || value > 100) {
      throw new InvalidConfigException(at, "must be in [0, 100]");
    }
    return value;
  }

  static CircuitBreakerThresholds circuitBreakers(CircuitBreakers cb)
      throws InvalidConfigException {
    SupportedFields.check(cb, "circuit_breakers", CIRCUIT_BREAKERS);
    CircuitBreakerThresholds result = CircuitBreakerThresholds.DEFAULTS;
    boolean seenDefault = false;
    boolean seenHigh = false;
    for (int i = 0; i < cb.getThresholdsCount(); i++) {
      CircuitBreakers.Thresholds t = cb.getThresholds(i);
      String at = "circuit_breakers.thresholds[" + i + "]";
      SupportedFields.check(t, at, THRESHOLDS);
      if (t.getPriority() == RoutingPriority.HIGH) {
        // Routes cannot ask for HIGH priority yet, so these limits never apply, as in Envoy
        // for a route without priority; one entry is still all Envoy allows.
        if (seenHigh) {
          throw new InvalidConfigException(at + ".priority", "HIGH appears twice");
        }
        seenHigh = true;
        continue;
      }
      if (t.getPriority() != RoutingPriority.DEFAULT) {
        throw new InvalidConfigException(at + ".priority", "unknown value");
      }
      if (seenDefault) {
        throw new InvalidConfigException(at + ".priority", "DEFAULT appears twice");
      }
      seenDefault = true;
      CircuitBreakerThresholds d = CircuitBreakerThresholds.DEFAULTS;
      result =
          new CircuitBreakerThresholds(
              t.hasMaxConnections()
                  ? Integer.toUnsignedLong(t.getMaxConnections().getValue())
                  : d.maxConnections(),
              t.hasMaxPendingRequests()
                  ? Integer.toUnsignedLong(t.getMaxPendingRequests().getValue())
                  : d.maxPendingRequests(),
              t.hasMaxRequests()
                  ? Integer.toUnsignedLong(t.getMaxRequests().getValue())
                  : d.maxRequests(),
              t.hasMaxRetries()
                  ? Integer.toUnsignedLong(t.getMaxRetries().getValue())
                  : d.maxRetries());
    }
    return result;
  }

  static HealthCheckConfig healthCheck(List<HealthCheck> checks) throws InvalidConfigException {
    if (checks.isEmpty()) {
      return null;
    }
    if (checks.size() > 1) {
      throw new InvalidConfigException("health_checks", "only one health check is supported");
    }
    HealthCheck h = checks.get(0);
    String at = "health_checks[0]";
    SupportedFields.check(h, at, HEALTH_CHECK);
    for (String required :
        List.of("timeout", "interval", "unhealthy_threshold", "healthy_threshold")) {
      if (!h.hasField(HealthCheck.getDescriptor().findFieldByName(required))) {
        throw new InvalidConfigException(at + "." + required, "is required");
      }
    }
    long timeout = positive(h.getTimeout(), at + ".timeout");
    long interval = positive(h.getInterval(), at + ".interval");
    int unhealthy = h.getUnhealthyThreshold().getValue();
    int healthy = h.getHealthyThreshold().getValue();
    if (unhealthy < 1) {
      throw new InvalidConfigException(at + ".unhealthy_threshold", "must be at least 1");
    }
    if (healthy < 1) {
      throw new InvalidConfigException(at + ".healthy_threshold", "must be at least 1");
    }
    if (h.hasHttpHealthCheck()) {
      HealthCheck.HttpHealthCheck http = h.getHttpHealthCheck();
      SupportedFields.check(http, at + ".http_health_check", HTTP_HEALTH_CHECK);
      if (http.getPath().isEmpty()) {
        throw new InvalidConfigException(at + ".http_health_check.path", "must not be empty");
      }
      List<HealthCheckConfig.StatusRange> expected = new ArrayList<>();
      for (int i = 0; i < http.getExpectedStatusesCount(); i++) {
        Int64Range r = http.getExpectedStatuses(i);
        if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() >= r.getEnd()) {
          throw new InvalidConfigException(
              at + ".http_health_check.expected_statuses[" + i + "]",
              "must be a non-empty range within [100, 600)");
        }
        expected.add(new HealthCheckConfig.StatusRange((int) r.getStart(), (int) r.getEnd()));
      }
      return new HealthCheckConfig(
          timeout,
          interval,
          unhealthy,
          healthy,
          HealthCheckConfig.Kind.HTTP,
          http.getHost(),
          http.getPath(),
          expected.isEmpty() ? HealthCheckConfig.DEFAULT_EXPECTED : expected);
    }
    if (h.hasTcpHealthCheck()) {
      // A connect-only check: payload send/receive is not supported.
      SupportedFields.check(h.getTcpHealthCheck(), at + ".tcp_health_check", Set.of());
      return new HealthCheckConfig(
          timeout, interval, unhealthy, healthy, HealthCheckConfig.Kind.TCP, "", null, List.of());
    }
    throw new InvalidConfigException(at, "http_health_check or tcp_health_check is required");
  }

  static UpstreamTlsContext transportSocket(TransportSocket s) throws InvalidConfigException {
    return transportSocket(s, "transport_socket");
  }

  /** The upstream TLS of a transport socket; {@code null} for {@code raw_buffer} (plaintext). */
  static UpstreamTlsContext transportSocket(TransportSocket s, String at)
      throws InvalidConfigException {
    SupportedFields.check(s, at, TRANSPORT_SOCKET);
    if (s.getName().equals(RAW_BUFFER_SOCKET)) {
      return null;
    }
    if (!s.getName().equals(TLS_SOCKET)) {
      throw new InvalidConfigException(
          at + ".name", "transport socket " + s.getName() + " not supported");
    }
    return unpack(s.getTypedConfig(), UpstreamTlsContext.class, at + ".typed_config");
  }

  /**
   * Envoy's {@code transport_socket_matches}, as Istio's auto-mTLS sends them: criteria on the
   * endpoint's {@code envoy.transport_socket_match} metadata (string values) and the socket to use.
   */
  static List<ClusterConfig.TransportSocketMatch> transportSocketMatches(
      List<Cluster.TransportSocketMatch> matches) throws InvalidConfigException {
    List<ClusterConfig.TransportSocketMatch> out = new ArrayList<>();
    for (int i = 0; i < matches.size(); i++) {
      Cluster.TransportSocketMatch m = matches.get(i);
      String at = "transport_socket_matches[" + i + "]";
      SupportedFields.check(m, at, TRANSPORT_SOCKET_MATCH);
      if (!m.hasTransportSocket()) {
        throw new InvalidConfigException(at + ".transport_socket", "is required");
      }
      out.add(
          new ClusterConfig.TransportSocketMatch(
              m.getName(),
              strings(m.getMatch(), at + ".match"),
              transportSocket(m.getTransportSocket(), at + ".transport_socket")));
    }
    return out;
  }

  /** A metadata struct whose values must all be strings. */
  static Map<String, String> strings(Struct struct, String at) throws InvalidConfigException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Value> e : struct.getFieldsMap().entrySet()) {
      if (e.getValue().getKindCase() != Value.KindCase.STRING_VALUE) {
        throw new InvalidConfigException(at + "." + e.getKey(), "only string values are supported");
      }
      out.put(e.getKey(), e.getValue().getStringValue());
    }
    return out;
  }

  static HttpProtocolOptions protocolOptions(Map<String, Any> options)
      throws InvalidConfigException {
    HttpProtocolOptions http = null;
    for (Map.Entry<String, Any> e : options.entrySet()) {
      String at = "typed_extension_protocol_options[" + e.getKey() + "]";
      if (!e.getKey().equals(HTTP_OPTIONS)) {
        throw new InvalidConfigException(at, "extension " + e.getKey() + " not supported");
      }
      http = unpack(e.getValue(), HttpProtocolOptions.class, at);
      if (http.hasCommonHttpProtocolOptions()
          && http.getCommonHttpProtocolOptions().hasIdleTimeout()) {
        com.google.protobuf.Duration idle = http.getCommonHttpProtocolOptions().getIdleTimeout();
        if (idle.getSeconds() < 0 || idle.getNanos() < 0) {
          throw new InvalidConfigException(
              at + ".common_http_protocol_options.idle_timeout",
              "must not be negative (0 turns the idle timeout off)");
        }
      }
    }
    return http;
  }

  private static <T extends Message> T unpack(Any any, Class<T> type, String at)
      throws InvalidConfigException {
    if (!any.is(type)) {
      throw new InvalidConfigException(at, "expected " + type.getSimpleName());
    }
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException ex) {
      throw new InvalidConfigException(at, "cannot be parsed: " + ex.getMessage());
    }
  }
}
