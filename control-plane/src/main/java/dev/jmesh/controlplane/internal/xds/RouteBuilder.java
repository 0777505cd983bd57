package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.jmesh.controlplane.config.StringMatch;
import dev.jmesh.controlplane.config.VirtualService;
import dev.jmesh.controlplane.config.VirtualService.HttpMatch;
import dev.jmesh.controlplane.config.VirtualService.HttpRoute;
import dev.jmesh.controlplane.config.VirtualService.RouteDestination;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the RouteConfiguration of one outbound {@code host:port} from the VirtualService for
 * that host, or Istio's default route when there is none.
 */
final class RouteBuilder {
  private RouteBuilder() {}

  /** Name of the fault filter: per-route fault config is keyed by it. */
  static final String FAULT_FILTER = "envoy.filters.http.fault";

  /** Istio's {@code retryOn} when a VirtualService gives none (and for the default route). */
  static final String DEFAULT_RETRY_ON =
      "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

  private static final Map<String, Integer> GRPC_CODES = Map.ofEntries(
      Map.entry("OK", 0), Map.entry("CANCELLED", 1), Map.entry("UNKNOWN", 2),
      Map.entry("INVALID_ARGUMENT", 3), Map.entry("DEADLINE_EXCEEDED", 4),
      Map.entry("NOT_FOUND", 5), Map.entry("ALREADY_EXISTS", 6),
      Map.entry("PERMISSION_DENIED", 7), Map.entry("RESOURCE_EXHAUSTED", 8),
      Map.entry("FAILED_PRECONDITION", 9), Map.entry("ABORTED", 10),
      Map.entry("OUT_OF_RANGE", 11), Map.entry("UNIMPLEMENTED", 12), Map.entry("INTERNAL", 13),
      Map.entry("UNAVAILABLE", 14), Map.entry("DATA_LOSS", 15),
      Map.entry("UNAUTHENTICATED", 16));

  /**
   * @param clusterOf maps a route destination to its cluster name
   * @param applies whether a match applies to this proxy and listener port
   */
  static RouteConfiguration build(String name, List<String> domains, String defaultCluster,
      List<RouteAction.HashPolicy> defaultHash, VirtualService vs,
      Function<VirtualService.Destination, String> clusterOf,
      Function<VirtualService.Destination, List<RouteAction.HashPolicy>> hashOf,
      java.util.function.Predicate<HttpMatch> applies) {
    VirtualHost.Builder vh = VirtualHost.newBuilder().setName(name).addAllDomains(domains);
    if (vs == null || vs.http().isEmpty()) {
      vh.addRoutes(Route.newBuilder()
          .setName("default")
          .setMatch(RouteMatch.newBuilder().setPrefix("/"))
          .setRoute(RouteAction.newBuilder()
              .setCluster(defaultCluster)
              .addAllHashPolicy(defaultHash)
              .setTimeout(Protos.duration(java.time.Duration.ZERO))
              .setRetryPolicy(defaultRetryPolicy())));
    } else {
      Metadata source = istioConfig(vs);
      for (HttpRoute route : vs.http()) {
        if (route.match().isEmpty()) {
          vh.addRoutes(route(route, RouteMatch.newBuilder().setPrefix("/").build(), clusterOf,
              hashOf).toBuilder().setMetadata(source));
          continue;
        }
        for (HttpMatch m : route.match()) {
          if (applies.test(m)) {
            vh.addRoutes(route(route, match(m), clusterOf, hashOf).toBuilder().setMetadata(source));
          }
        }
      }
    }
    return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(vh)
        .setValidateClusters(BoolValue.of(false)).build();
  }

  /**
   * Istio's last virtual host of an outbound route configuration, for a {@code Host} that names no
   * service of it (a caller that addressed an endpoint's IP sends {@code Host: <ip>:<port>}): under
   * ALLOW_ANY {@code allow_any}, to {@code PassthroughCluster} (the address the caller connected
   * to), with no timeout; under REGISTRY_ONLY {@code block_all}, answered 502.
   */
  static VirtualHost fallthrough(boolean registryOnly, String passthroughCluster) {
    String name = registryOnly ? "block_all" : "allow_any";
    Route.Builder route =
        Route.newBuilder().setName(name).setMatch(RouteMatch.newBuilder().setPrefix("/"));
    if (registryOnly) {
      route.setDirectResponse(DirectResponseAction.newBuilder().setStatus(502));
    } else {
      route.setRoute(
          RouteAction.newBuilder()
              .setCluster(passthroughCluster)
              .setTimeout(Protos.duration(java.time.Duration.ZERO)));
    }
    return VirtualHost.newBuilder().setName(name).addDomains("*").addRoutes(route).build();
  }

  /**
   * The route's source as istiod names it ({@code filter_metadata.istio.config}), which tools such
   * as {@code mesh config … routes} and {@code istioctl proxy-config} show.
   */
  private static Metadata istioConfig(VirtualService vs) {
    String config = "/apis/networking.istio.io/v1/namespaces/" + vs.meta().namespace()
        + "/virtual-service/" + vs.meta().name();
    return Metadata.newBuilder()
        .putFilterMetadata("istio", Struct.newBuilder()
            .putFields("config", Value.newBuilder().setStringValue(config).build())
            .build())
        .build();
  }

  /** Istio's HTTPDirectResponse as Envoy's, the body inline as given. */
  private static DirectResponseAction directResponse(VirtualService.DirectResponse d) {
    DirectResponseAction.Builder b = DirectResponseAction.newBuilder().setStatus(d.status());
    if (d.body() != null) {
      b.setBody(DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(d.body())));
    }
    return b.build();
  }

  private static Route route(HttpRoute r, RouteMatch match,
      Function<VirtualService.Destination, String> clusterOf,
      Function<VirtualService.Destination, List<RouteAction.HashPolicy>> hashOf) {
    Route.Builder b = Route.newBuilder().setMatch(match);
    if (!r.name().isEmpty()) {
      b.setName(r.name());
    }
    headers(b, r.headers());
    if (r.redirect() != null) {
      return b.setRedirect(redirect(r.redirect())).build();
    }
    if (r.directResponse() != null) {
      return b.setDirectResponse(directResponse(r.directResponse())).build();
    }
    RouteAction.Builder action = RouteAction.newBuilder();
    List<RouteDestination> dests = r.route();
    // Like Istio, the hash policy comes from the first destination's DestinationRule.
    action.addAllHashPolicy(hashOf.apply(dests.get(0).destination()));
    if (dests.size() == 1) {
      action.setCluster(clusterOf.apply(dests.get(0).destination()));
      headers(b, dests.get(0).headers());
    } else {
      boolean noWeights = dests.stream().allMatch(d -> d.weight() == null);
      WeightedCluster.Builder wc = WeightedCluster.newBuilder();
      for (RouteDestination d : dests) {
        int weight = noWeights ? 1 : d.weight() == null ? 0 : d.weight();
        WeightedCluster.ClusterWeight.Builder cw = WeightedCluster.ClusterWeight.newBuilder()
            .setName(clusterOf.apply(d.destination())).setWeight(UInt32Value.of(weight));
        VirtualService.HeaderOperations req = d.headers().request();
        VirtualService.HeaderOperations resp = d.headers().response();
        cw.addAllRequestHeadersToAdd(headerOptions(req)).addAllRequestHeadersToRemove(req.remove())
            .addAllResponseHeadersToAdd(headerOptions(resp))
            .addAllResponseHeadersToRemove(resp.remove());
        wc.addClusters(cw);
      }
      action.setWeightedClusters(wc);
    }
    java.time.Duration timeout = r.timeout() != null ? r.timeout() : java.time.Duration.ZERO;
    action.setTimeout(Protos.duration(timeout));
    if (r.timeout() != null) {
      // gRPC clients read the deadline from max_stream_duration, as Istio sets it.
      action.setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
          .setMaxStreamDuration(Protos.duration(timeout))
          .setGrpcTimeoutHeaderMax(Protos.duration(timeout)));
    }
    RetryPolicy retry = retryPolicy(r.retries());
    if (retry != null) {
      action.setRetryPolicy(retry);
    }
    if (r.rewrite() != null) {
      if (!r.rewrite().uri().isEmpty()) {
        action.setPrefixRewrite(r.rewrite().uri());
      }
      if (!r.rewrite().authority().isEmpty()) {
        action.setHostRewriteLiteral(r.rewrite().authority());
      }
    }
    if (r.mirror() != null) {
      double pct = r.mirrorPercentage() != null ? r.mirrorPercentage() : 100.0;
      action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
          .setCluster(clusterOf.apply(r.mirror()))
          .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
              .setDefaultValue(fraction(pct))));
    }
    b.setRoute(action);
    if (r.fault() != null) {
      b.putTypedPerFilterConfig(FAULT_FILTER, Any.pack(fault(r.fault())));
    }
    return b.build();
  }

  /** The route hash policy of a DestinationRule's consistentHash; empty when there is none. */
  static List<RouteAction.HashPolicy> hashPolicy(
      dev.jmesh.controlplane.config.DestinationRule.LoadBalancer lb) {
    if (lb == null || lb.consistentHash() == null) {
      return List.of();
    }
    var ch = lb.consistentHash();
    RouteAction.HashPolicy.Builder h = RouteAction.HashPolicy.newBuilder();
    if (ch.httpHeaderName() != null) {
      h.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(ch.httpHeaderName()));
    } else if (ch.httpCookieName() != null) {
      RouteAction.HashPolicy.Cookie.Builder c = RouteAction.HashPolicy.Cookie.newBuilder()
          .setName(ch.httpCookieName());
      if (ch.httpCookiePath() != null) {
        c.setPath(ch.httpCookiePath());
      }
      if (ch.httpCookieTtl() != null) {
        c.setTtl(Protos.duration(ch.httpCookieTtl()));
      }
      h.setCookie(c);
    } else if (ch.useSourceIp()) {
      h.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder()
          .setSourceIp(true));
    } else {
      h.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder()
          .setName(ch.httpQueryParameterName()));
    }
    return List.of(h.build());
  }

  static RetryPolicy defaultRetryPolicy() {
    return RetryPolicy.newBuilder()
        .setNumRetries(UInt32Value.of(2))
        .setRetryOn(DEFAULT_RETRY_ON)
        .addRetriableStatusCodes(503)
        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(5)
        .build();
  }

  /** Istio's translation of HTTPRetry: null (no retries) when attempts is 0. */
  static RetryPolicy retryPolicy(VirtualService.Retry retry) {
    if (retry == null) {
      return defaultRetryPolicy();
    }
    if (retry.attempts() == 0) {
      return null;
    }
    RetryPolicy.Builder b = defaultRetryPolicy().toBuilder()
        .setNumRetries(UInt32Value.of(retry.attempts()));
    if (!retry.retryOn().isEmpty()) {
      b.clearRetriableStatusCodes();
      StringBuilder on = new StringBuilder();
      boolean codes = false;
      for (String part : retry.retryOn().split(",")) {
        String p = part.trim();
        if (p.isEmpty()) {
          continue;
        }
        if (p.chars().allMatch(Character::isDigit)) {
          b.addRetriableStatusCodes(Integer.parseInt(p));
          codes = true;
          continue;
        }
        codes |= p.equals("retriable-status-codes");
        if (!p.equals("retriable-status-codes")) {
          on.append(on.length() == 0 ? "" : ",").append(p);
        }
      }
      if (codes) {
        on.append(on.length() == 0 ? "" : ",").append("retriable-status-codes");
      }
      b.setRetryOn(on.toString());
    }
    if (retry.perTryTimeout() != null) {
      b.setPerTryTimeout(Protos.duration(retry.perTryTimeout()));
    }
    if (retry.retryRemoteLocalities()) {
      b.setRetryPriority(RetryPolicy.RetryPriority.newBuilder()
          .setName("envoy.retry_priorities.previous_priorities"));
    }
    return b.build();
  }

  static HTTPFault fault(VirtualService.Fault f) {
    HTTPFault.Builder b = HTTPFault.newBuilder();
    if (f.delay() != null) {
      b.setDelay(FaultDelay.newBuilder()
          .setFixedDelay(Protos.duration(f.delay().fixedDelay()))
          .setPercentage(fraction(f.delay().percentage())));
    }
    if (f.abort() != null) {
      FaultAbort.Builder a = FaultAbort.newBuilder().setPercentage(fraction(f.abort().percentage()));
      if (f.abort().httpStatus() != 0) {
        a.setHttpStatus(f.abort().httpStatus());
      } else {
        a.setGrpcStatus(GRPC_CODES.get(f.abort().grpcStatus()));
      }
      b.setAbort(a);
    }
    return b.build();
  }

  /** Istio's percentage to Envoy's fraction: per million, keeping Istio's decimals. */
  static FractionalPercent fraction(double percent) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) Math.round(percent * 10_000))
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }

  static RouteMatch match(HttpMatch m) {
    RouteMatch.Builder b = RouteMatch.newBuilder();
    StringMatch uri = m.uri();
    if (uri == null) {
      b.setPrefix("/");
    } else {
      switch (uri.kind()) {
        case EXACT:
          b.setPath(uri.value());
          break;
        case PREFIX:
          b.setPrefix(uri.value());
          break;
        default:
          b.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.value()));
      }
    }
    if (m.ignoreUriCase()) {
      b.setCaseSensitive(BoolValue.of(false));
    }
    pseudoHeader(b, ":method", m.method());
    pseudoHeader(b, ":authority", m.authority());
    pseudoHeader(b, ":scheme", m.scheme());
    m.headers().forEach((name, sm) -> b.addHeaders(header(name, sm, false)));
    m.withoutHeaders().forEach((name, sm) -> b.addHeaders(header(name, sm, true)));
    m.queryParams().forEach((name, sm) -> b.addQueryParameters(QueryParameterMatcher.newBuilder()
        .setName(name).setStringMatch(stringMatcher(sm))));
    return b.build();
  }

  private static void pseudoHeader(RouteMatch.Builder b, String name, StringMatch sm) {
    if (sm != null) {
      b.addHeaders(header(name, sm, false));
    }
  }

  private static HeaderMatcher header(String name, StringMatch sm, boolean invert) {
    return HeaderMatcher.newBuilder().setName(name).setStringMatch(stringMatcher(sm))
        .setInvertMatch(invert).build();
  }

  static StringMatcher stringMatcher(StringMatch sm) {
    switch (sm.kind()) {
      case EXACT:
        return StringMatcher.newBuilder().setExact(sm.value()).build();
      case PREFIX:
        return StringMatcher.newBuilder().setPrefix(sm.value()).build();
      default:
        return StringMatcher.newBuilder()
            .setSafeRegex(RegexMatcher.newBuilder().setRegex(sm.value())).build();
    }
  }

  private static RedirectAction redirect(VirtualService.Redirect r) {
    RedirectAction.Builder b = RedirectAction.newBuilder();
    if (!r.uri().isEmpty()) {
      b.setPathRedirect(r.uri());
    }
    if (!r.authority().isEmpty()) {
      b.setHostRedirect(r.authority());
    }
    if (r.port() != 0) {
      b.setPortRedirect(r.port());
    }
    if (!r.scheme().isEmpty()) {
      b.setSchemeRedirect(r.scheme());
    }
    switch (r.redirectCode()) {
      case 302:
        b.setResponseCode(RedirectAction.RedirectResponseCode.FOUND);
        break;
      case 303:
        b.setResponseCode(RedirectAction.RedirectResponseCode.SEE_OTHER);
        break;
      case 307:
        b.setResponseCode(RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT);
        break;
      case 308:
        b.setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT);
        break;
      default:
        b.setResponseCode(RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY);
    }
    return b.build();
  }

  private static void headers(Route.Builder b, VirtualService.Headers h) {
    b.addAllRequestHeadersToAdd(headerOptions(h.request()))
        .addAllRequestHeadersToRemove(h.request().remove())
        .addAllResponseHeadersToAdd(headerOptions(h.response()))
        .addAllResponseHeadersToRemove(h.response().remove());
  }

  private static List<HeaderValueOption> headerOptions(VirtualService.HeaderOperations ops) {
    List<HeaderValueOption> out = new java.util.ArrayList<>();
    ops.set().forEach((k, v) -> out.add(HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(k).setValue(v))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build()));
    ops.add().forEach((k, v) -> out.add(HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(k).setValue(v))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)
        .build()));
    return out;
  }

}
