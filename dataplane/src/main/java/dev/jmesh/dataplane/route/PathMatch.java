package dev.jmesh.dataplane.route;

import com.google.re2j.Pattern;

/**
 * A compiled Envoy route path specifier. {@code prefix} is compared with the whole request target,
 * query string included, as Envoy does; {@code path}, {@code safe_regex} and {@code
 * path_separated_prefix} with the path alone.
 */
public final class PathMatch {

  /** The path specifier. */
  public enum Kind {
    PREFIX,
    PATH,
    REGEX,
    SEPARATED_PREFIX
  }

  private final Kind kind;
  private final String value;
  private final boolean caseSensitive;
  private final Pattern regex;

  private PathMatch(Kind kind, String value, boolean caseSensitive, Pattern regex) {
    this.kind = kind;
    this.value = value;
    this.caseSensitive = caseSensitive;
    this.regex = regex;
  }

  /** A literal specifier: {@code prefix}, {@code path} or {@code path_separated_prefix}. */
  public static PathMatch literal(Kind kind, String value, boolean caseSensitive) {
    if (kind == Kind.REGEX) {
      throw new IllegalArgumentException("use regex()");
    }
    return new PathMatch(kind, value, caseSensitive, null);
  }

  /** {@code safe_regex}: the regex must match the whole path; case_sensitive does not apply. */
  public static PathMatch regex(Pattern regex) {
    return new PathMatch(Kind.REGEX, regex.pattern(), true, regex);
  }

  public Kind kind() {
    return kind;
  }

  public String value() {
    return value;
  }

  /** Whether literal comparisons respect case ({@code case_sensitive}, default true). */
  public boolean caseSensitive() {
    return caseSensitive;
  }

  /**
   * Whether every path this specifier matches starts with {@link #value()} exactly: true for
   * case-sensitive {@code prefix}, {@code path} and {@code path_separated_prefix}.
   */
  boolean requiresLiteralStart() {
    return kind != Kind.REGEX && caseSensitive;
  }

  /** Whether the request target {@code path} matches. */
  public boolean matches(String path) {
    boolean ignoreCase = !caseSensitive;
    int n = value.length();
    switch (kind) {
      case PREFIX:
        // startsWith is markedly cheaper than regionMatches on the hot path (JDK 17).
        return caseSensitive ? path.startsWith(value) : path.regionMatches(true, 0, value, 0, n);
      case PATH:
        return pathLength(path) == n
            && (caseSensitive ? path.startsWith(value) : path.regionMatches(true, 0, value, 0, n));
      case SEPARATED_PREFIX:
        {
          int len = pathLength(path);
          return len >= n
              && path.regionMatches(ignoreCase, 0, value, 0, n)
              && (len == n || path.charAt(n) == '/');
        }
      case REGEX:
        {
          int len = pathLength(path);
          return regex.matches(len == path.length() ? path : path.substring(0, len));
        }
      default:
        throw new AssertionError(kind);
    }
  }

  private static int pathLength(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        return i;
      }
    }
    return path.length();
  }
}
