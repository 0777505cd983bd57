package dev.jmesh.dataplane.route;

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
    DIRECT_RESPONSE
  }

  /** The decision when nothing matched. */
  public static final RouteDecision NO_ROUTE = new RouteDecision(Kind.NO_ROUTE, null, null);

  private final Kind kind;
  private final Route route;
  private final String cluster;

  RouteDecision(Kind kind, Route route, String cluster) {
    this.kind = kind;
    this.route = route;
    this.cluster = cluster;
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
        : kind + "(" + route.virtualHost() + "/" + route.name()
            + (cluster == null ? "" : " -> " + cluster) + ")";
  }
}
