package dev.jmesh.dataplane.route;

/**
 * A compiled Envoy {@code QueryParameterMatcher}, applied to the first parameter of that name in
 * the query string. Names and values are compared as sent, without percent-decoding; a parameter
 * without {@code =} has the empty value.
 */
public final class QueryParameterMatch {

  private final String name;
  private final StringMatch value;

  private QueryParameterMatch(String name, StringMatch value) {
    this.name = name;
    this.value = value;
  }

  /** Matches when the parameter is present and its value matches {@code value}. */
  public static QueryParameterMatch value(String name, StringMatch value) {
    return new QueryParameterMatch(name, value);
  }

  /** {@code present_match}: matches when the parameter is present. */
  public static QueryParameterMatch present(String name) {
    return new QueryParameterMatch(name, null);
  }

  /** Whether {@code path} (path and query) satisfies this matcher. */
  public boolean matches(String path) {
    int q = path.indexOf('?');
    if (q < 0) {
      return false;
    }
    int end = path.indexOf('#', q);
    if (end < 0) {
      end = path.length();
    }
    int n = name.length();
    int start = q + 1;
    while (start <= end) {
      int amp = path.indexOf('&', start);
      if (amp < 0 || amp > end) {
        amp = end;
      }
      int eq = path.indexOf('=', start);
      int nameEnd = eq >= 0 && eq < amp ? eq : amp;
      if (nameEnd - start == n && path.regionMatches(start, name, 0, n)) {
        if (value == null) {
          return true;
        }
        int valueStart = nameEnd == amp ? amp : nameEnd + 1;
        return value.matches(path, valueStart, amp);
      }
      start = amp + 1;
    }
    return false;
  }
}
