package dev.jmesh.dataplane.route;

/**
 * What routing reads of a request, implemented by the caller over its own header representation so
 * that {@link RouteTable#decide} copies nothing.
 *
 * <pre>{@code
 * RouteDecision d = table.decide(view, ThreadLocalRandom.current().nextLong());
 * }</pre>
 */
public interface RequestView {

  /** The request method, e.g. {@code GET}. */
  String method();

  /** The authority ({@code Host} header or {@code :authority}), possibly with a port. */
  String authority();

  /** The request target as sent: path and query string, e.g. {@code /a/b?x=1}. */
  String path();

  /**
   * The value of a header, or {@code null} when absent. {@code lowerCaseName} is always lower case;
   * the lookup must ignore case. A header sent more than once is reported as its values joined with
   * {@code ","}, as Envoy matches it.
   */
  String header(String lowerCaseName);
}
