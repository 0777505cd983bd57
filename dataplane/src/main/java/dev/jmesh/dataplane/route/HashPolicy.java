package dev.jmesh.dataplane.route;

/**
 * One of a route's {@code hash_policy} entries, for ring-hash and Maglev balancing.
 *
 * @param kind what is hashed
 * @param name the header (lower case), cookie or query parameter name; {@code null} for the source
 *     IP
 * @param cookieTtlNanos for a cookie, the TTL of a cookie the data path generates; -1 when unset
 *     (never generate)
 * @param cookiePath for a generated cookie, its path; empty when unset
 * @param terminal whether a hash from this entry ends the evaluation
 */
public record HashPolicy(
    Kind kind, String name, long cookieTtlNanos, String cookiePath, boolean terminal) {

  /** The hash source. */
  public enum Kind {
    HEADER,
    COOKIE,
    SOURCE_IP,
    QUERY_PARAMETER
  }

  /**
   * The {@code Set-Cookie} value that hands a generated cookie with {@code value} to the client.
   */
  public String setCookieHeader(String value) {
    StringBuilder b = new StringBuilder(name).append("=\"").append(value).append('"');
    if (cookieTtlNanos > 0) {
      b.append("; Max-Age=")
          .append(java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(cookieTtlNanos));
    }
    if (!cookiePath.isEmpty()) {
      b.append("; Path=").append(cookiePath);
    }
    return b.append("; HttpOnly").toString();
  }
}
