package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.route.DirectResponse;
import dev.jmesh.dataplane.route.FaultPolicy;
import dev.jmesh.dataplane.route.PathMatch;
import dev.jmesh.dataplane.route.Redirect;
import dev.jmesh.dataplane.route.RetryPolicy;
import dev.jmesh.dataplane.route.Route;
import dev.jmesh.dataplane.route.RouteTable;
import dev.jmesh.dataplane.route.VirtualHost;
import dev.jmesh.dataplane.route.WeightedTarget;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Compiles an Envoy {@code RouteConfiguration} into a {@link RouteTable}, rejecting any field it
 * does not implement.
 *
 * <pre>{@code
 * RouteTable table = RouteTableCompiler.compile(routeConfiguration);
 * }</pre>
 */
public final class RouteTableCompiler {

  static final String TYPE = "RouteConfiguration";

  private static final Set<String> ROUTE_CONFIGURATION =
      Set.of("name", "virtual_hosts", "validate_clusters", "ignore_port_in_host_matching");
  private static final Set<String> VIRTUAL_HOST =
      Set.of("name", "domains", "routes", "retry_policy", "typed_per_filter_config");
  // decorator and metadata only feed tracing and filters jmesh does not have; routing ignores
  // them, as Envoy's router does.
  private static final Set<String> ROUTE =
      Set.of(
          "name",
          "match",
          "route",
          "redirect",
          "direct_response",
          "typed_per_filter_config",
          "decorator",
          "metadata");
  private static final Set<String> ROUTE_ACTION =
      Set.of(
          "cluster",
          "weighted_clusters",
          "timeout",
          "retry_policy",
          "max_stream_duration");
  private static final Set<String> WEIGHTED_CLUSTER = Set.of("clusters", "total_weight");
  private static final Set<String> CLUSTER_WEIGHT = Set.of("name", "weight");
  private static final Set<String> REDIRECT =
      Set.of(
          "https_redirect",
          "scheme_redirect",
          "host_redirect",
          "port_redirect",
          "path_redirect",
          "prefix_rewrite",
          "response_code",
          "strip_query");
  private static final Set<String> DIRECT_RESPONSE = Set.of("status", "body");
  private static final Set<String> DATA_SOURCE = Set.of("inline_string", "inline_bytes");
  private static final long DEFAULT_TIMEOUT_NANOS = 15_000_000_000L;

  private RouteTableCompiler() {}

  /**
   * Compiles {@code config}.
   *
   * @throws InvalidConfigException naming the first field that is unsupported or invalid
   */
  static RouteTable compile(RouteConfiguration config) throws InvalidConfigException {
    SupportedFields.check(config, "", ROUTE_CONFIGURATION);
    if (config.hasValidateClusters() && config.getValidateClusters().getValue()) {
      throw new InvalidConfigException("validate_clusters", "true is not supported");
    }
    List<VirtualHost> hosts = new ArrayList<>();
    for (int v = 0; v < config.getVirtualHostsCount(); v++) {
      hosts.add(virtualHost(config.getVirtualHosts(v), "virtual_hosts[" + v + "]"));
    }
    try {
      return new RouteTable(config.getName(), hosts)
          .withStripAnyHostPort(config.getIgnorePortInHostMatching());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("virtual_hosts.domains", e.getMessage());
    }
  }

  private static VirtualHost virtualHost(
      io.envoyproxy.envoy.config.route.v3.VirtualHost vh, String at)
      throws InvalidConfigException {
    SupportedFields.check(vh, at, VIRTUAL_HOST);
    if (vh.getDomainsCount() == 0) {
      throw new InvalidConfigException(at + ".domains", "at least one domain is required");
    }
    RetryPolicy vhRetry =
        vh.hasRetryPolicy() ? Policies.retry(vh.getRetryPolicy(), at + ".retry_policy") : null;
    FaultPolicy vhFault =
        Policies.fault(vh.getTypedPerFilterConfigMap(), at + ".typed_per_filter_config");
    List<Route> routes = new ArrayList<>();
    for (int r = 0; r < vh.getRoutesCount(); r++) {
      routes.add(route(vh.getName(), vh.getRoutes(r), at + ".routes[" + r + "]", vhRetry, vhFault));
    }
    return new VirtualHost(vh.getName(), vh.getDomainsList(), routes);
  }

  private static Route route(
      String vhName,
      io.envoyproxy.envoy.config.route.v3.Route r,
      String at,
      RetryPolicy vhRetry,
      FaultPolicy vhFault)
      throws InvalidConfigException {
    SupportedFields.check(r, at, ROUTE);
    if (!r.hasMatch()) {
      throw new InvalidConfigException(at + ".match", "is required");
    }
    PathMatch path = MatcherCompiler.path(r.getMatch(), at + ".match");
    FaultPolicy fault = Policies.fault(r.getTypedPerFilterConfigMap(), at + ".typed_per_filter_config");
    Route.Builder b =
        Route.builder(vhName, r.getName(), path)
            .headers(MatcherCompiler.headers(r.getMatch().getHeadersList(), at + ".match.headers"))
            .queryParameters(
                MatcherCompiler.queryParameters(
                    r.getMatch().getQueryParametersList(), at + ".match.query_parameters"))
            .fault(fault != null ? fault : vhFault)
            .retryPolicy(vhRetry);
    switch (r.getActionCase()) {
      case ROUTE:
        action(b, r.getRoute(), at + ".route");
        break;
      case REDIRECT:
        b.redirect(redirect(r.getRedirect(), path, at + ".redirect"));
        break;
      case DIRECT_RESPONSE:
        b.directResponse(directResponse(r.getDirectResponse(), at + ".direct_response"));
        break;
      default:
        throw new InvalidConfigException(at, "route, redirect or direct_response is required");
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(at + ".route", e.getMessage());
    }
  }

  private static void action(Route.Builder b, RouteAction a, String at)
      throws InvalidConfigException {
    SupportedFields.check(a, at, ROUTE_ACTION);
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER:
        if (a.getCluster().isEmpty()) {
          throw new InvalidConfigException(at + ".cluster", "must not be empty");
        }
        b.clusters(List.of(new WeightedTarget(a.getCluster(), 1)));
        break;
      case WEIGHTED_CLUSTERS:
        b.clusters(weighted(a.getWeightedClusters(), at + ".weighted_clusters"));
        break;
      default:
        throw new InvalidConfigException(at, "cluster or weighted_clusters is required");
    }
    b.timeoutNanos(
        a.hasTimeout()
            ? Policies.nanos(a.getTimeout(), at + ".timeout")
            : DEFAULT_TIMEOUT_NANOS);
    if (a.hasRetryPolicy()) {
      b.retryPolicy(Policies.retry(a.getRetryPolicy(), at + ".retry_policy"));
    }
    if (a.hasMaxStreamDuration()) {
      Policies.maxStreamDuration(b, a.getMaxStreamDuration(), at + ".max_stream_duration");
    }
  }

  private static List<WeightedTarget> weighted(WeightedCluster w, String at)
      throws InvalidConfigException {
    SupportedFields.check(w, at, WEIGHTED_CLUSTER);
    if (w.getClustersCount() == 0) {
      throw new InvalidConfigException(at + ".clusters", "at least one cluster is required");
    }
    List<WeightedTarget> out = new ArrayList<>();
    long sum = 0;
    for (int i = 0; i < w.getClustersCount(); i++) {
      WeightedCluster.ClusterWeight c = w.getClusters(i);
      String cat = at + ".clusters[" + i + "]";
      SupportedFields.check(c, cat, CLUSTER_WEIGHT);
      if (c.getName().isEmpty()) {
        throw new InvalidConfigException(cat + ".name", "must not be empty");
      }
      int weight = c.getWeight().getValue();
      if (weight < 0) {
        throw new InvalidConfigException(cat + ".weight", "is above 2^31-1");
      }
      sum += weight;
      out.add(new WeightedTarget(c.getName(), weight));
    }
    if (sum == 0) {
      throw new InvalidConfigException(at + ".clusters", "weights sum to 0");
    }
    if (sum > 0xFFFF_FFFFL) {
      throw new InvalidConfigException(at + ".clusters", "weights sum above 2^32-1");
    }
    if (w.hasTotalWeight() && w.getTotalWeight().getValue() != sum) {
      throw new InvalidConfigException(
          at + ".total_weight", "is " + w.getTotalWeight().getValue() + " but weights sum to " + sum);
    }
    return out;
  }

  private static Redirect redirect(RedirectAction r, PathMatch match, String at)
      throws InvalidConfigException {
    SupportedFields.check(r, at, REDIRECT);
    String scheme = null;
    if (r.hasHttpsRedirect() && r.getHttpsRedirect()) {
      scheme = "https";
    } else if (r.hasSchemeRedirect()) {
      scheme = r.getSchemeRedirect().toLowerCase(java.util.Locale.ROOT);
    }
    int status;
    switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY:
        status = 301;
        break;
      case FOUND:
        status = 302;
        break;
      case SEE_OTHER:
        status = 303;
        break;
      case TEMPORARY_REDIRECT:
        status = 307;
        break;
      case PERMANENT_REDIRECT:
        status = 308;
        break;
      default:
        throw new InvalidConfigException(at + ".response_code", "unknown value");
    }
    String prefixRewrite = r.hasPrefixRewrite() ? r.getPrefixRewrite() : null;
    String matchedPrefix = null;
    if (prefixRewrite != null) {
      if (match.kind() != PathMatch.Kind.PREFIX
          && match.kind() != PathMatch.Kind.SEPARATED_PREFIX) {
        throw new InvalidConfigException(
            at + ".prefix_rewrite", "needs a prefix or path_separated_prefix match");
      }
      matchedPrefix = match.value();
    }
    return new Redirect(
        scheme,
        r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
        r.getPortRedirect(),
        r.hasPathRedirect() ? r.getPathRedirect() : null,
        prefixRewrite,
        matchedPrefix,
        status,
        r.getStripQuery());
  }

  private static DirectResponse directResponse(DirectResponseAction d, String at)
      throws InvalidConfigException {
    SupportedFields.check(d, at, DIRECT_RESPONSE);
    if (d.getStatus() < 200 || d.getStatus() > 599) {
      throw new InvalidConfigException(at + ".status", "must be in [200, 600)");
    }
    String body = null;
    if (d.hasBody()) {
      SupportedFields.check(d.getBody(), at + ".body", DATA_SOURCE);
      body =
          d.getBody().hasInlineBytes()
              ? d.getBody().getInlineBytes().toStringUtf8()
              : d.getBody().getInlineString();
    }
    return new DirectResponse(d.getStatus(), body);
  }
}
