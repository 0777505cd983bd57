package dev.jmesh.dataplane.route;

/**
 * A {@code redirect} route action. Unset parts ({@code null}, or 0 for the port) keep the
 * request's, except that a new host or scheme without a new port drops the request's port, as Envoy
 * does.
 *
 * @param scheme replacement scheme ({@code https_redirect} is {@code "https"})
 * @param host replacement host
 * @param port replacement port, 0 to keep the request's
 * @param path replacement path ({@code path_redirect})
 * @param prefixRewrite replacement of the matched prefix ({@code prefix_rewrite})
 * @param matchedPrefix the route's prefix that {@code prefixRewrite} replaces
 * @param status 301, 302, 303, 307 or 308
 * @param stripQuery whether the query string is dropped
 */
public record Redirect(
    String scheme,
    String host,
    int port,
    String path,
    String prefixRewrite,
    String matchedPrefix,
    int status,
    boolean stripQuery) {

  /**
   * The {@code Location} of the redirect for {@code request}, reached over {@code requestScheme}.
   * Allocates; redirects are not on the hot path.
   */
  public String location(RequestView request, String requestScheme) {
    String authority = request.authority();
    String requestHost = authority;
    String requestPort = null;
    int colon = authority.lastIndexOf(':');
    if (colon > authority.lastIndexOf(']')) {
      requestHost = authority.substring(0, colon);
      requestPort = authority.substring(colon + 1);
    }
    String newScheme = scheme != null ? scheme : requestScheme;
    String newHost = host != null ? host : requestHost;
    String newPort;
    if (port != 0) {
      newPort = Integer.toString(port);
    } else if (host != null || (scheme != null && !scheme.equals(requestScheme))) {
      // Envoy drops the request's port when the host or the scheme changes without a new port.
      newPort = null;
    } else {
      newPort = requestPort;
    }
    if (newPort != null
        && ((newScheme.equals("http") && newPort.equals("80"))
            || (newScheme.equals("https") && newPort.equals("443")))) {
      newPort = null;
    }
    String target = request.path();
    int q = target.indexOf('?');
    String requestPath = q < 0 ? target : target.substring(0, q);
    String query = q < 0 || stripQuery ? "" : target.substring(q);
    String newPath;
    if (path != null) {
      int pq = path.indexOf('?');
      newPath = path;
      if (pq >= 0) {
        query = stripQuery ? "" : path.substring(pq);
        newPath = path.substring(0, pq);
      }
    } else if (prefixRewrite != null && matchedPrefix != null) {
      newPath =
          prefixRewrite
              + requestPath.substring(Math.min(matchedPrefix.length(), requestPath.length()));
    } else {
      newPath = requestPath;
    }
    return newScheme + "://" + newHost + (newPort == null ? "" : ":" + newPort) + newPath + query;
  }
}
