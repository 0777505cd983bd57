package dev.jmesh.dataplane.route;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled Envoy {@code RouteConfiguration}: picks the virtual host by authority, then the first
 * matching route, then a cluster. Immutable and safe to share between threads; {@link #decide}
 * allocates nothing unless a {@code safe_regex} matcher runs.
 *
 * <pre>{@code
 * RouteDecision d = table.decide(request, random.nextLong());
 * if (d.kind() == RouteDecision.Kind.CLUSTER) { forward(d.cluster(), d.route().timeoutNanos()); }
 * }</pre>
 */
public final class RouteTable {

  private final String name;
  private final List<VirtualHost> virtualHosts;
  private final DomainIndex domains;
  private final Route[][] routes;
  private final boolean stripAnyHostPort;

  /**
   * Compiles the table.
   *
   * @throws IllegalArgumentException when a domain is empty, repeated or malformed
   */
  public RouteTable(String name, List<VirtualHost> virtualHosts) {
    this(name, List.copyOf(virtualHosts), null, false);
  }

  private RouteTable(
      String name, List<VirtualHost> virtualHosts, RouteTable shared, boolean stripAnyHostPort) {
    this.name = name;
    this.virtualHosts = virtualHosts;
    this.stripAnyHostPort = stripAnyHostPort;
    if (shared != null) {
      this.domains = shared.domains;
      this.routes = shared.routes;
      return;
    }
    List<List<String>> domainLists = new ArrayList<>();
    routes = new Route[virtualHosts.size()][];
    for (int i = 0; i < virtualHosts.size(); i++) {
      domainLists.add(virtualHosts.get(i).domains());
      routes[i] = virtualHosts.get(i).routes().toArray(new Route[0]);
    }
    domains = new DomainIndex(domainLists);
  }

  /**
   * This table matching the authority without its port, as the HTTP connection manager's {@code
   * strip_any_host_port} asks.
   */
  public RouteTable withStripAnyHostPort(boolean strip) {
    return strip == stripAnyHostPort ? this : new RouteTable(name, virtualHosts, this, strip);
  }

  /** Whether the authority's port is ignored when picking the virtual host. */
  public boolean stripsAnyHostPort() {
    return stripAnyHostPort;
  }

  public String name() {
    return name;
  }

  public List<VirtualHost> virtualHosts() {
    return virtualHosts;
  }

  /**
   * Routes {@code request}.
   *
   * @param random a uniformly drawn long; picks among weighted clusters
   * @return the decision; {@link RouteDecision#NO_ROUTE} when no virtual host or route matches
   */
  public RouteDecision decide(RequestView request, long random) {
    String authority = request.authority();
    if (authority == null) {
      authority = "";
    }
    int end = authority.length();
    if (stripAnyHostPort) {
      end = hostEnd(authority);
    }
    int vh = domains.lookup(authority, end);
    if (vh < 0) {
      return RouteDecision.NO_ROUTE;
    }
    for (Route route : routes[vh]) {
      if (route.matches(request)) {
        return route.decision(random);
      }
    }
    return RouteDecision.NO_ROUTE;
  }

  /** The end of the host in {@code host[:port]} or {@code [v6]:port}. */
  static int hostEnd(String authority) {
    int colon = authority.lastIndexOf(':');
    if (colon < 0 || colon < authority.lastIndexOf(']')) {
      return authority.length();
    }
    if (authority.charAt(0) != '[' && authority.indexOf(':') != colon) {
      return authority.length(); // a bare IPv6 address has no port
    }
    return colon;
  }
}
