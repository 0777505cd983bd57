package dev.jmesh.dataplane.route;

import com.google.re2j.Pattern;

/**
 * A compiled Envoy {@code StringMatcher}: exact, prefix, suffix, contains (optionally ignoring
 * case) or an RE2 regex that must match the whole value.
 */
public final class StringMatch {

  /** How the value is compared. */
  public enum Kind {
    EXACT,
    PREFIX,
    SUFFIX,
    CONTAINS,
    REGEX
  }

  private final Kind kind;
  private final String value;
  private final boolean ignoreCase;
  private final Pattern regex;

  private StringMatch(Kind kind, String value, boolean ignoreCase, Pattern regex) {
    this.kind = kind;
    this.value = value;
    this.ignoreCase = ignoreCase;
    this.regex = regex;
  }

  /** A literal matcher; {@code kind} must not be {@link Kind#REGEX}. */
  public static StringMatch literal(Kind kind, String value, boolean ignoreCase) {
    if (kind == Kind.REGEX) {
      throw new IllegalArgumentException("use regex()");
    }
    return new StringMatch(kind, value, ignoreCase, null);
  }

  /** A matcher that succeeds when {@code regex} matches the whole value. */
  public static StringMatch regex(Pattern regex) {
    return new StringMatch(Kind.REGEX, regex.pattern(), false, regex);
  }

  public Kind kind() {
    return kind;
  }

  public String value() {
    return value;
  }

  public boolean ignoreCase() {
    return ignoreCase;
  }

  /** Whether {@code s} matches. */
  public boolean matches(String s) {
    return matches(s, 0, s.length());
  }

  /** Whether {@code s.substring(from, to)} matches, without copying unless a regex runs. */
  public boolean matches(String s, int from, int to) {
    int len = to - from;
    int n = value.length();
    // The case-sensitive forms use startsWith/equals/indexOf, which the JIT handles far better
    // than regionMatches.
    switch (kind) {
      case EXACT:
        if (len != n) {
          return false;
        }
        // With ignore_case the exact spelling is tried first: values usually arrive as
        // configured, and the case-folding comparison is several times slower.
        return s.startsWith(value, from)
            || (ignoreCase && s.regionMatches(true, from, value, 0, n));
      case PREFIX:
        return len >= n
            && (s.startsWith(value, from)
                || (ignoreCase && s.regionMatches(true, from, value, 0, n)));
      case SUFFIX:
        return len >= n
            && (s.startsWith(value, to - n)
                || (ignoreCase && s.regionMatches(true, to - n, value, 0, n)));
      case CONTAINS:
        if (!ignoreCase) {
          int i = s.indexOf(value, from);
          return i >= 0 && i + n <= to;
        }
        for (int i = from; i <= to - n; i++) {
          if (s.regionMatches(true, i, value, 0, n)) {
            return true;
          }
        }
        return false;
      case REGEX:
        return regex.matches(from == 0 && to == s.length() ? s : s.substring(from, to));
      default:
        throw new AssertionError(kind);
    }
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase() + (ignoreCase ? "(ignore_case)" : "") + ":" + value;
  }
}
