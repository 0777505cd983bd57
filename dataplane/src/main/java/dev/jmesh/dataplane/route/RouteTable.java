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

  /**
   * Per virtual host and route, the first (up to) eight characters every matching path starts with,
   * packed one byte each, and the mask of the bytes that count (0 when the route gives no such
   * start): most routes are rejected by one comparison of longs, without reading the route.
   */
  private final long[][] heads;

  private final long[][] headMasks;
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
      this.heads = shared.heads;
      this.headMasks = shared.headMasks;
      return;
    }
    List<List<String>> domainLists = new ArrayList<>();
    routes = new Route[virtualHosts.size()][];
    heads = new long[virtualHosts.size()][];
    headMasks = new long[virtualHosts.size()][];
    for (int i = 0; i < virtualHosts.size(); i++) {
      domainLists.add(virtualHosts.get(i).domains());
      routes[i] = virtualHosts.get(i).routes().toArray(new Route[0]);
      heads[i] = new long[routes[i].length];
      headMasks[i] = new long[routes[i].length];
      for (int r = 0; r < routes[i].length; r++) {
        PathMatch path = routes[i][r].path();
        String start = path.requiresLiteralStart() ? path.value() : "";
        int n = Math.min(8, start.length());
        long head = 0;
        long mask = 0;
        for (int c = 0; c < n && start.charAt(c) <= 0xFF; c++) {
          head |= (long) start.charAt(c) << (8 * c);
          mask |= 0xFFL << (8 * c);
        }
        heads[i][r] = head;
        headMasks[i][r] = mask;
      }
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
    Route[] candidates = routes[vh];
    long[] head = heads[vh];
    long[] mask = headMasks[vh];
    long pathHead = head(request.path());
    boolean filter = pathHead != -1;
    for (int i = 0; i < candidates.length; i++) {
      if (filter && (pathHead & mask[i]) != head[i]) {
        continue;
      }
      if (candidates[i].matches(request)) {
        return candidates[i].decision(random);
      }
    }
    return RouteDecision.NO_ROUTE;
  }

  /**
   * The first eight characters of {@code path}, one byte each (0 past its end); -1 when one of them
   * does not fit a byte, which turns the filter off for that request.
   */
  static long head(String path) {
    if (path == null) {
      return 0;
    }
    int n = Math.min(8, path.length());
    long head = 0;
    for (int c = 0; c < n; c++) {
      char ch = path.charAt(c);
      if (ch > 0xFF) {
        return -1;
      }
      head |= (long) ch << (8 * c);
    }
    return head;
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
