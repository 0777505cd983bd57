package dev.jmesh.controlplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Istio's VirtualService: how requests to some hosts are routed. */
public record VirtualService(
    ResourceMeta meta,
    List<String> hosts,
    List<String> gateways,
    List<HttpRoute> http,
    List<TcpRoute> tcp,
    List<TlsRoute> tls,
    List<String> exportTo)
    implements ConfigResource {

  public VirtualService {
    hosts = List.copyOf(hosts);
    gateways = List.copyOf(gateways);
    http = List.copyOf(http);
    tcp = List.copyOf(tcp);
    tls = List.copyOf(tls);
    exportTo = List.copyOf(exportTo);
  }

  /** One {@code http} entry: matches (ORed), then what to do with a matching request. */
  public record HttpRoute(
      String name,
      List<HttpMatch> match,
      List<RouteDestination> route,
      Redirect redirect,
      Rewrite rewrite,
      Duration timeout,
      Retry retries,
      Fault fault,
      Destination mirror,
      Double mirrorPercentage,
      Headers headers,
      DirectResponse directResponse,
      int line) {
    public HttpRoute {
      match = List.copyOf(match);
      route = List.copyOf(route);
    }
  }

  /** HTTPMatchRequest; every condition given must hold. */
  public record HttpMatch(
      String name,
      StringMatch uri,
      StringMatch scheme,
      StringMatch method,
      StringMatch authority,
      Map<String, StringMatch> headers,
      Map<String, StringMatch> withoutHeaders,
      Map<String, StringMatch> queryParams,
      int port,
      Map<String, String> sourceLabels,
      String sourceNamespace,
      boolean ignoreUriCase,
      int line) {
    public HttpMatch {
      headers = Ordered.copy(headers);
      withoutHeaders = Ordered.copy(withoutHeaders);
      queryParams = Ordered.copy(queryParams);
      sourceLabels = Map.copyOf(sourceLabels);
    }
  }

  /**
   * Where traffic goes: a host (short names are in the VirtualService's namespace).
   *
   * @param line line of {@code host}
   * @param subsetLine line of {@code subset} (of {@code host} when there is none)
   */
  public record Destination(String host, String subset, int port, int line, int subsetLine) {}

  /** A weighted destination; {@code weight} is null when not given. */
  public record RouteDestination(Destination destination, Integer weight, Headers headers) {}

  /** HTTPRedirect. */
  public record Redirect(
      String uri, String authority, int port, String scheme, int redirectCode) {}

  /**
   * HTTPDirectResponse: the route answers itself. {@code body} is the exact bytes ({@code
   * body.string} as UTF-8, {@code body.bytes} decoded from base64), {@code null} for none.
   */
  public record DirectResponse(int status, byte[] body) {}

  /** HTTPRewrite. */
  public record Rewrite(String uri, String authority) {}

  /** HTTPRetry; {@code retryOn} as written (Envoy names and status codes). */
  public record Retry(
      int attempts, Duration perTryTimeout, String retryOn, boolean retryRemoteLocalities) {}

  /** HTTPFaultInjection. */
  public record Fault(Delay delay, Abort abort) {
    /** A fixed delay for {@code percentage} percent of requests. */
    public record Delay(Duration fixedDelay, double percentage) {}

    /** An abort with an HTTP status (or a gRPC status name) for a percentage of requests. */
    public record Abort(int httpStatus, String grpcStatus, double percentage) {}
  }

  /** Header operations for requests and responses. */
  public record Headers(HeaderOperations request, HeaderOperations response) {
    public static final Headers NONE =
        new Headers(HeaderOperations.NONE, HeaderOperations.NONE);
  }

  /** set overwrites, add appends, remove deletes. */
  public record HeaderOperations(
      Map<String, String> set, Map<String, String> add, List<String> remove) {
    public static final HeaderOperations NONE =
        new HeaderOperations(Map.of(), Map.of(), List.of());

    public HeaderOperations {
      set = Ordered.copy(set);
      add = Ordered.copy(add);
      remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
  }

  /** A {@code tcp} route. */
  public record TcpRoute(List<L4Match> match, List<RouteDestination> route, int line) {
    public TcpRoute {
      match = List.copyOf(match);
      route = List.copyOf(route);
    }
  }

  /** A {@code tls} route, matched by SNI. */
  public record TlsRoute(List<L4Match> match, List<RouteDestination> route, int line) {
    public TlsRoute {
      match = List.copyOf(match);
      route = List.copyOf(route);
    }
  }

  /** L4MatchAttributes / TLSMatchAttributes. */
  public record L4Match(
      List<String> sniHosts,
      List<String> destinationSubnets,
      int port,
      Map<String, String> sourceLabels) {
    public L4Match {
      sniHosts = List.copyOf(sniHosts);
      destinationSubnets = List.copyOf(destinationSubnets);
      sourceLabels = Map.copyOf(sourceLabels);
    }
  }
}
