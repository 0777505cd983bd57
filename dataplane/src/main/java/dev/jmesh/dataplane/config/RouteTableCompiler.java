package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.route.FaultPolicy;
import dev.jmesh.dataplane.route.HeaderMutation;
import dev.jmesh.dataplane.route.PathMatch;
import dev.jmesh.dataplane.route.PathRewrite;
import dev.jmesh.dataplane.route.RetryPolicy;
import dev.jmesh.dataplane.route.Route;
import dev.jmesh.dataplane.route.RouteTable;
import dev.jmesh.dataplane.route.VirtualHost;
import dev.jmesh.dataplane.route.WeightedTarget;
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
      Set.of(
          "name",
          "virtual_hosts",
          "validate_clusters",
          "ignore_port_in_host_matching",
          "most_specific_header_mutations_wins",
          "request_headers_to_add",
          "request_headers_to_remove",
          "response_headers_to_add",
          "response_headers_to_remove");
  private static final Set<String> VIRTUAL_HOST =
      Set.of(
          "name",
          "domains",
          "routes",
          "retry_policy",
          "typed_per_filter_config",
          "request_headers_to_add",
          "request_headers_to_remove",
          "response_headers_to_add",
          "response_headers_to_remove");
  // decorator and metadata only feed tracing and filters jmesh does not have; routing ignores
  // them, as Envoy's router does.
  private static final Set<String> ROUTE =
      Set.of(
          "name",
          "match",
          "route",
          "redirect",
          "direct_response",
          "non_forwarding_action",
          "typed_per_filter_config",
          "decorator",
          "metadata",
          "request_headers_to_add",
          "request_headers_to_remove",
          "response_headers_to_add",
          "response_headers_to_remove");
  private static final Set<String> ROUTE_ACTION =
      Set.of(
          "cluster",
          "weighted_clusters",
          "timeout",
          "retry_policy",
          "max_stream_duration",
          "prefix_rewrite",
          "regex_rewrite",
          "host_rewrite_literal",
          "hash_policy",
          "request_mirror_policies");
  private static final Set<String> WEIGHTED_CLUSTER = Set.of("clusters", "total_weight");
  private static final Set<String> CLUSTER_WEIGHT =
      Set.of(
          "name",
          "weight",
          "request_headers_to_add",
          "request_headers_to_remove",
          "response_headers_to_add",
          "response_headers_to_remove");
  private static final Set<String> REGEX_REWRITE = Set.of("pattern", "substitution");
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
    Levels global =
        new Levels(
            HeaderMutations.compile(
                config.getRequestHeadersToAddList(),
                config.getRequestHeadersToRemoveList(),
                "request_headers_to_add",
                "request_headers_to_remove"),
            HeaderMutations.compile(
                config.getResponseHeadersToAddList(),
                config.getResponseHeadersToRemoveList(),
                "response_headers_to_add",
                "response_headers_to_remove"),
            config.getMostSpecificHeaderMutationsWins());
    List<VirtualHost> hosts = new ArrayList<>();
    for (int v = 0; v < config.getVirtualHostsCount(); v++) {
      hosts.add(virtualHost(config.getVirtualHosts(v), "virtual_hosts[" + v + "]", global));
    }
    try {
      return new RouteTable(config.getName(), hosts)
          .withStripAnyHostPort(config.getIgnorePortInHostMatching());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("virtual_hosts.domains", e.getMessage());
    }
  }

  /**
   * Header changes of the levels above a route, outermost first.
   *
   * @param mostSpecificWins {@code most_specific_header_mutations_wins}: the route's changes are
   *     applied last instead of first
   */
  private record Levels(
      HeaderMutation request,
      HeaderMutation response,
      boolean mostSpecificWins,
      HeaderMutation vhRequest,
      HeaderMutation vhResponse) {

    Levels(HeaderMutation request, HeaderMutation response, boolean mostSpecificWins) {
      this(request, response, mostSpecificWins, HeaderMutation.NONE, HeaderMutation.NONE);
    }

    Levels withVirtualHost(HeaderMutation req, HeaderMutation resp) {
      return new Levels(request, response, mostSpecificWins, req, resp);
    }

    /** Envoy's order: route, virtual host, route configuration (or the reverse). */
    List<HeaderMutation> chain(HeaderMutation route, boolean forRequest) {
      HeaderMutation vh = forRequest ? vhRequest : vhResponse;
      HeaderMutation global = forRequest ? request : response;
      return mostSpecificWins ? List.of(global, vh, route) : List.of(route, vh, global);
    }
  }

  private static VirtualHost virtualHost(
      io.envoyproxy.envoy.config.route.v3.VirtualHost vh, String at, Levels global)
      throws InvalidConfigException {
    SupportedFields.check(vh, at, VIRTUAL_HOST);
    if (vh.getDomainsCount() == 0) {
      throw new InvalidConfigException(at + ".domains", "at least one domain is required");
    }
    RetryPolicy vhRetry =
        vh.hasRetryPolicy() ? Policies.retry(vh.getRetryPolicy(), at + ".retry_policy") : null;
    FaultPolicy vhFault =
        Policies.fault(vh.getTypedPerFilterConfigMap(), at + ".typed_per_filter_config");
    Levels levels =
        global.withVirtualHost(
            HeaderMutations.compile(
                vh.getRequestHeadersToAddList(),
                vh.getRequestHeadersToRemoveList(),
                at + ".request_headers_to_add",
                at + ".request_headers_to_remove"),
            HeaderMutations.compile(
                vh.getResponseHeadersToAddList(),
                vh.getResponseHeadersToRemoveList(),
                at + ".response_headers_to_add",
                at + ".response_headers_to_remove"));
    List<Route> routes = new ArrayList<>();
    for (int r = 0; r < vh.getRoutesCount(); r++) {
      routes.add(
          route(
              vh.getName(), vh.getRoutes(r), at + ".routes[" + r + "]", vhRetry, vhFault, levels));
    }
    return new VirtualHost(vh.getName(), vh.getDomainsList(), routes);
  }

  private static Route route(
      String vhName,
      io.envoyproxy.envoy.config.route.v3.Route r,
      String at,
      RetryPolicy vhRetry,
      FaultPolicy vhFault,
      Levels levels)
      throws InvalidConfigException {
    SupportedFields.check(r, at, ROUTE);
    if (!r.hasMatch()) {
      throw new InvalidConfigException(at + ".match", "is required");
    }
    PathMatch path = MatcherCompiler.path(r.getMatch(), at + ".match");
    FaultPolicy fault =
        Policies.fault(r.getTypedPerFilterConfigMap(), at + ".typed_per_filter_config");
    Route.Builder b =
        Route.builder(vhName, r.getName(), path)
            .headers(MatcherCompiler.headers(r.getMatch().getHeadersList(), at + ".match.headers"))
            .queryParameters(
                MatcherCompiler.queryParameters(
                    r.getMatch().getQueryParametersList(), at + ".match.query_parameters"))
            .fault(fault != null ? fault : vhFault)
            .retryPolicy(vhRetry)
            .requestHeaders(
                levels.chain(
                    HeaderMutations.compile(
                        r.getRequestHeadersToAddList(),
                        r.getRequestHeadersToRemoveList(),
                        at + ".request_headers_to_add",
                        at + ".request_headers_to_remove"),
                    true))
            .responseHeaders(
                levels.chain(
                    HeaderMutations.compile(
                        r.getResponseHeadersToAddList(),
                        r.getResponseHeadersToRemoveList(),
                        at + ".response_headers_to_add",
                        at + ".response_headers_to_remove"),
                    false));
    switch (r.getActionCase()) {
      case ROUTE:
        action(b, r.getRoute(), path, at + ".route");
        break;
      case REDIRECT:
        b.redirect(LocalResponses.redirect(r.getRedirect(), path, at + ".redirect"));
        break;
      case DIRECT_RESPONSE:
        b.directResponse(
            LocalResponses.directResponse(r.getDirectResponse(), at + ".direct_response"));
        break;
      case NON_FORWARDING_ACTION:
        b.nonForwarding();
        break;
      default:
        throw new InvalidConfigException(
            at, "route, redirect, direct_response or non_forwarding_action is required");
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(at + ".route", e.getMessage());
    }
  }

  private static void action(Route.Builder b, RouteAction a, PathMatch match, String at)
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
        a.hasTimeout() ? Policies.nanos(a.getTimeout(), at + ".timeout") : DEFAULT_TIMEOUT_NANOS);
    if (a.hasRetryPolicy()) {
      b.retryPolicy(Policies.retry(a.getRetryPolicy(), at + ".retry_policy"));
    }
    if (a.hasMaxStreamDuration()) {
      Policies.maxStreamDuration(b, a.getMaxStreamDuration(), at + ".max_stream_duration");
    }
    if (!a.getPrefixRewrite().isEmpty()) {
      if (match.kind() != PathMatch.Kind.PREFIX
          && match.kind() != PathMatch.Kind.SEPARATED_PREFIX) {
        throw new InvalidConfigException(
            at + ".prefix_rewrite", "needs a prefix or path_separated_prefix match");
      }
      b.pathRewrite(PathRewrite.prefix(match.value(), a.getPrefixRewrite()));
    }
    if (a.hasRegexRewrite()) {
      String rat = at + ".regex_rewrite";
      if (!a.getPrefixRewrite().isEmpty()) {
        throw new InvalidConfigException(rat, "excludes prefix_rewrite");
      }
      SupportedFields.check(a.getRegexRewrite(), rat, REGEX_REWRITE);
      b.pathRewrite(
          PathRewrite.regex(
              MatcherCompiler.regex(a.getRegexRewrite().getPattern(), rat + ".pattern"),
              a.getRegexRewrite().getSubstitution()));
    }
    if (a.hasHostRewriteLiteral()) {
      if (a.getHostRewriteLiteral().isEmpty()) {
        throw new InvalidConfigException(at + ".host_rewrite_literal", "must not be empty");
      }
      b.hostRewrite(a.getHostRewriteLiteral());
    }
    b.hashPolicies(Policies.hashPolicies(a.getHashPolicyList(), at + ".hash_policy"));
    b.mirrorPolicies(
        Policies.mirrorPolicies(a.getRequestMirrorPoliciesList(), at + ".request_mirror_policies"));
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
      out.add(
          new WeightedTarget(
              c.getName(),
              weight,
              HeaderMutations.compile(
                  c.getRequestHeadersToAddList(),
                  c.getRequestHeadersToRemoveList(),
                  cat + ".request_headers_to_add",
                  cat + ".request_headers_to_remove"),
              HeaderMutations.compile(
                  c.getResponseHeadersToAddList(),
                  c.getResponseHeadersToRemoveList(),
                  cat + ".response_headers_to_add",
                  cat + ".response_headers_to_remove")));
    }
    if (sum == 0) {
      throw new InvalidConfigException(at + ".clusters", "weights sum to 0");
    }
    if (sum > 0xFFFF_FFFFL) {
      throw new InvalidConfigException(at + ".clusters", "weights sum above 2^32-1");
    }
    if (w.hasTotalWeight() && w.getTotalWeight().getValue() != sum) {
      throw new InvalidConfigException(
          at + ".total_weight",
          "is " + w.getTotalWeight().getValue() + " but weights sum to " + sum);
    }
    return out;
  }
}
