package dev.jmesh.dataplane.route;

import java.util.List;

/**
 * The outcome of routing one request. Decisions are built once per route and cluster when the
 * snapshot is compiled, so returning one allocates nothing.
 */
public final class RouteDecision {

  /** What the data path does with the request. */
  public enum Kind {
    /** No virtual host or route matched: Envoy's {@code NR} (404). */
    NO_ROUTE,
    /** Forward to {@link #cluster()}. */
    CLUSTER,
    /** Answer with {@link Route#redirect()}. */
    REDIRECT,
    /** Answer with {@link Route#directResponse()}. */
    DIRECT_RESPONSE,
    /** Hand the request to the local application: the route of an inbound listener. */
    NON_FORWARDING
  }

  /** The decision when nothing matched. */
  public static final RouteDecision NO_ROUTE =
      new RouteDecision(Kind.NO_ROUTE, null, null, List.of(), List.of());

  private final Kind kind;
  private final Route route;
  private final String cluster;
  private final List<HeaderMutation> requestHeaders;
  private final List<HeaderMutation> responseHeaders;

  RouteDecision(
      Kind kind,
      Route route,
      String cluster,
      List<HeaderMutation> requestHeaders,
      List<HeaderMutation> responseHeaders) {
    this.kind = kind;
    this.route = route;
    this.cluster = cluster;
    this.requestHeaders = requestHeaders;
    this.responseHeaders = responseHeaders;
  }

  /**
   * The request header changes to apply, in order: the picked weighted cluster's, the route's, the
   * virtual host's, then the route configuration's (reversed when the route configuration sets
   * {@code most_specific_header_mutations_wins}). Levels without changes are left out.
   */
  public List<HeaderMutation> requestHeaders() {
    return requestHeaders;
  }

  /** The response header changes to apply, ordered as {@link #requestHeaders()}. */
  public List<HeaderMutation> responseHeaders() {
    return responseHeaders;
  }

  public Kind kind() {
    return kind;
  }

  /** The matched route, {@code null} for {@link Kind#NO_ROUTE}. */
  public Route route() {
    return route;
  }

  /** The upstream cluster for {@link Kind#CLUSTER}, otherwise {@code null}. */
  public String cluster() {
    return cluster;
  }

  @Override
  public String toString() {
    return kind == Kind.NO_ROUTE
        ? "NO_ROUTE"
        : kind
            + "("
            + route.virtualHost()
            + "/"
            + route.name()
            + (cluster == null ? "" : " -> " + cluster)
            + ")";
  }
}
