package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.policy.InboundHttpFilter;
import dev.jmesh.dataplane.trace.Tracing;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Set;

/**
 * Compiles Listeners: outbound ones with an {@code api_listener} here, those with an address in
 * {@link SocketListenerCompiler}.
 */
final class ListenerCompiler {

  static final String TYPE = "Listener";
  static final String ROUTER_FILTER = "envoy.filters.http.router";

  private static final Set<String> LISTENER = Set.of("name", "api_listener");
  private static final Set<String> API_LISTENER = Set.of("api_listener");
  // stat_prefix and codec_type have no meaning for an api_listener: the caller speaks HTTP.
  private static final Set<String> HCM =
      Set.of(
          "stat_prefix",
          "codec_type",
          "rds",
          "route_config",
          "http_filters",
          "strip_any_host_port",
          "access_log",
          "tracing");
  private static final Set<String> RDS = Set.of("config_source", "route_config_name");
  private static final Set<String> CONFIG_SOURCE =
      Set.of("ads", "self", "resource_api_version", "initial_fetch_timeout");
  private static final Set<String> HTTP_FILTER = Set.of("name", "typed_config", "is_optional");

  private ListenerCompiler() {}

  /**
   * Compiles {@code listener}; an inline {@code route_config} is compiled too, an RDS name is
   * resolved by the snapshot.
   */
  static ListenerConfig compile(Listener listener) throws InvalidConfigException {
    if (listener.getName().isEmpty()) {
      throw new InvalidConfigException("name", "must not be empty");
    }
    if (!listener.hasApiListener()) {
      if (!listener.hasAddress()) {
        throw new InvalidConfigException(
            "api_listener", "an api_listener or an address is required");
      }
      return SocketListenerCompiler.compile(listener);
    }
    SupportedFields.check(listener, "", LISTENER);
    SupportedFields.check(listener.getApiListener(), "api_listener", API_LISTENER);
    Any any = listener.getApiListener().getApiListener();
    String at = "api_listener.api_listener";
    if (!any.is(HttpConnectionManager.class)) {
      throw new InvalidConfigException(at, "type " + any.getTypeUrl() + " not supported");
    }
    HttpConnectionManager hcm;
    try {
      hcm = any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(at, "cannot be parsed: " + e.getMessage());
    }
    try {
      return connectionManager(listener.getName(), hcm);
    } catch (InvalidConfigException e) {
      throw e.under(at);
    }
  }

  /**
   * Compiles an HTTP connection manager of listener {@code name}; an inline route configuration is
   * compiled too, an RDS name is left for the snapshot to resolve.
   */
  static OutboundListener connectionManager(String name, HttpConnectionManager hcm)
      throws InvalidConfigException {
    return connectionManager(name, hcm, null);
  }

  /**
   * Compiles an HTTP connection manager; an inbound one ({@code inboundPolicy} not {@code null})
   * also has its policy filters compiled, in order, into {@code inboundPolicy}.
   */
  static OutboundListener connectionManager(
      String name, HttpConnectionManager hcm, List<InboundHttpFilter> inboundPolicy)
      throws InvalidConfigException {
    SupportedFields.check(hcm, "", HCM);
    AccessLog accessLog = AccessLogCompiler.compile(hcm.getAccessLogList());
    Tracing tracing = TracingCompiler.compile(hcm);
    boolean routed = false;
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      String at = "http_filters[" + i + "]";
      FilterKind kind = filter(hcm.getHttpFilters(i), at, inboundPolicy);
      if (routed && kind != FilterKind.SKIPPED) {
        throw new InvalidConfigException(
            at,
            "filter "
                + hcm.getHttpFilters(i).getName()
                + " comes after the router, which ends the chain");
      }
      routed |= kind == FilterKind.ROUTER;
    }
    switch (hcm.getRouteSpecifierCase()) {
      case RDS:
        {
          SupportedFields.check(hcm.getRds(), "rds", RDS);
          if (hcm.getRds().hasConfigSource()) {
            SupportedFields.check(
                hcm.getRds().getConfigSource(), "rds.config_source", CONFIG_SOURCE);
          }
          String routes = hcm.getRds().getRouteConfigName();
          if (routes.isEmpty()) {
            throw new InvalidConfigException("rds.route_config_name", "must not be empty");
          }
          return new OutboundListener(
              name, routes, null, hcm.getStripAnyHostPort(), accessLog, tracing);
        }
      case ROUTE_CONFIG:
        try {
          return new OutboundListener(
                  name, null, null, hcm.getStripAnyHostPort(), accessLog, tracing)
              .withRouteTable(RouteTableCompiler.compile(hcm.getRouteConfig()));
        } catch (InvalidConfigException e) {
          throw e.under("route_config");
        }
      default:
        throw new InvalidConfigException("route_specifier", "rds or route_config is required");
    }
  }

  /** What one HTTP filter is to the chain it sits in. */
  private enum FilterKind {
    ROUTER,
    OTHER,
    /** An optional filter this data path does not know, left out as Envoy leaves it out. */
    SKIPPED
  }

  /**
   * Checks one HTTP filter, compiling a policy filter of an inbound chain into {@code
   * inboundPolicy}.
   */
  private static FilterKind filter(HttpFilter f, String at, List<InboundHttpFilter> inboundPolicy)
      throws InvalidConfigException {
    SupportedFields.check(f, at, HTTP_FILTER);
    Any config = f.getTypedConfig();
    boolean known;
    boolean router = false;
    if (InboundFilterCompiler.isHttpPolicy(f)) {
      if (inboundPolicy == null) {
        // Outbound traffic has no inbound policy; Istio never puts these filters there.
        throw new InvalidConfigException(
            at, "filter " + f.getName() + ": only enforced on inbound listeners");
      }
      InboundHttpFilter compiled = InboundFilterCompiler.http(f, at);
      if (compiled != null) {
        inboundPolicy.add(compiled);
      }
      return FilterKind.OTHER;
    }
    if (f.getName().equals(ROUTER_FILTER) || config.is(Router.class)) {
      router = true;
      known = !f.hasTypedConfig() || config.is(Router.class);
      // Router options (e.g. suppress_envoy_headers) are not implemented.
      known &= !f.hasTypedConfig() || config.getValue().isEmpty();
    } else if (f.getName().equals(Policies.FAULT_FILTER) || config.is(HTTPFault.class)) {
      // The filter only enables per-route faults; listener-wide faults are not implemented.
      known = !f.hasTypedConfig() || (config.is(HTTPFault.class) && config.getValue().isEmpty());
    } else {
      known = false;
    }
    if (!known) {
      if (f.getIsOptional()) {
        return FilterKind.SKIPPED;
      }
      String why =
          f.hasTypedConfig() ? "type " + config.getTypeUrl() + " not supported" : "not supported";
      throw new InvalidConfigException(at, "filter " + f.getName() + ": " + why);
    }
    return router ? FilterKind.ROUTER : FilterKind.OTHER;
  }
}
