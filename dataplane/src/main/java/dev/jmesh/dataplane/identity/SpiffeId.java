package dev.jmesh.dataplane.identity;

/**
 * A SPIFFE ID, {@code spiffe://<trust-domain><path>}, validated by the SPIFFE-ID standard: the
 * trust domain is lower-case letters, digits, {@code .}, {@code -} and {@code _}; the path is
 * {@code /}-separated non-empty segments of letters, digits, {@code .}, {@code -} and {@code _},
 * none of them {@code .} or {@code ..}; no query, fragment, port or user info. Istio's workload
 * identities are {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}.
 *
 * @param trustDomain e.g. {@code cluster.local}
 * @param path e.g. {@code /ns/default/sa/reviews}; empty for the trust domain's own ID
 */
public record SpiffeId(String trustDomain, String path) {

  private static final String SCHEME = "spiffe://";

  public SpiffeId {
    String problem = trustDomainProblem(trustDomain);
    if (problem == null) {
      problem = pathProblem(path);
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          "'" + SCHEME + trustDomain + path + "' is not a SPIFFE ID: " + problem);
    }
  }

  /** The identity of an Istio workload. */
  public static SpiffeId workload(String trustDomain, String namespace, String serviceAccount) {
    return new SpiffeId(trustDomain, "/ns/" + namespace + "/sa/" + serviceAccount);
  }

  /**
   * Parses {@code uri}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static SpiffeId parse(String uri) {
    if (uri == null || !uri.startsWith(SCHEME)) {
      throw new IllegalArgumentException(
          "'" + uri + "' is not a SPIFFE ID: it must start with " + SCHEME);
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    return slash < 0
        ? new SpiffeId(rest, "")
        : new SpiffeId(rest.substring(0, slash), rest.substring(slash));
  }

  /** The namespace of an Istio workload identity, or {@code null} for another shape. */
  public String namespace() {
    String[] parts = path.split("/", -1);
    return parts.length == 5 && parts[1].equals("ns") && parts[3].equals("sa") ? parts[2] : null;
  }

  /** The service account of an Istio workload identity, or {@code null} for another shape. */
  public String serviceAccount() {
    String[] parts = path.split("/", -1);
    return parts.length == 5 && parts[1].equals("ns") && parts[3].equals("sa") ? parts[4] : null;
  }

  @Override
  public String toString() {
    return SCHEME + trustDomain + path;
  }

  private static String trustDomainProblem(String td) {
    if (td == null || td.isEmpty()) {
      return "the trust domain is missing";
    }
    for (int i = 0; i < td.length(); i++) {
      char c = td.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
        return "the trust domain may hold only a-z, 0-9, '.', '-' and '_', not '" + c + "'";
      }
    }
    return null;
  }

  private static String pathProblem(String path) {
    if (path == null) {
      return "the path is null";
    }
    if (path.isEmpty()) {
      return null;
    }
    if (path.charAt(0) != '/') {
      return "the path must start with '/'";
    }
    int start = 1;
    while (true) {
      int end = path.indexOf('/', start);
      String segment = end < 0 ? path.substring(start) : path.substring(start, end);
      if (segment.isEmpty()) {
        return end < 0 ? "the path must not end with '/'" : "the path has an empty segment";
      }
      if (segment.equals(".") || segment.equals("..")) {
        return "the path must not hold '.' or '..' segments";
      }
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        if (!((c >= 'a' && c <= 'z')
            || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '.'
            || c == '-'
            || c == '_')) {
          return "the path may hold only letters, digits, '.', '-', '_' and '/', not '" + c + "'";
        }
      }
      if (end < 0) {
        return null;
      }
      start = end + 1;
    }
  }
}
