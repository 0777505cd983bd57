package dev.jmesh.dataplane.route;

/**
 * A compiled Envoy {@code HeaderMatcher}. Pseudo-headers {@code :method}, {@code :authority} and
 * {@code :path} are read from the request view's accessors.
 *
 * <p>A missing header fails every matcher except {@code present_match: false}; with {@code
 * invert_match} a missing header matches only {@code present_match: true} (Envoy's semantics since
 * 1.23), unless {@code treat_missing_header_as_empty} is set.
 */
public final class HeaderMatch {

  private enum Kind {
    STRING,
    PRESENT,
    RANGE
  }

  private final String name;
  private final Kind kind;
  private final StringMatch string;
  private final boolean present;
  private final long rangeStart;
  private final long rangeEnd;
  private final boolean invert;
  private final boolean missingAsEmpty;

  private HeaderMatch(
      String name,
      Kind kind,
      StringMatch string,
      boolean present,
      long rangeStart,
      long rangeEnd,
      boolean invert,
      boolean missingAsEmpty) {
    this.name = name;
    this.kind = kind;
    this.string = string;
    this.present = present;
    this.rangeStart = rangeStart;
    this.rangeEnd = rangeEnd;
    this.invert = invert;
    this.missingAsEmpty = missingAsEmpty;
  }

  /** Matches a header value with {@code match}. {@code lowerCaseName} must be lower case. */
  public static HeaderMatch string(
      String lowerCaseName, StringMatch match, boolean invert, boolean missingAsEmpty) {
    return new HeaderMatch(lowerCaseName, Kind.STRING, match, false, 0, 0, invert, missingAsEmpty);
  }

  /** {@code present_match}: matches when the header's presence equals {@code present}. */
  public static HeaderMatch present(
      String lowerCaseName, boolean present, boolean invert, boolean missingAsEmpty) {
    return new HeaderMatch(
        lowerCaseName, Kind.PRESENT, null, present, 0, 0, invert, missingAsEmpty);
  }

  /** {@code range_match}: a base-10 integer value in {@code [start, end)}. */
  public static HeaderMatch range(
      String lowerCaseName, long start, long end, boolean invert, boolean missingAsEmpty) {
    return new HeaderMatch(
        lowerCaseName, Kind.RANGE, null, false, start, end, invert, missingAsEmpty);
  }

  public String name() {
    return name;
  }

  /** Whether the request satisfies this matcher. */
  public boolean matches(RequestView request) {
    String value = valueOf(request);
    if (value == null) {
      if (missingAsEmpty) {
        value = "";
      } else {
        return kind == Kind.PRESENT && (invert ? present : !present);
      }
    }
    boolean matched;
    switch (kind) {
      case STRING:
        matched = string.matches(value);
        break;
      case PRESENT:
        matched = present;
        break;
      case RANGE:
        matched = inRange(value);
        break;
      default:
        throw new AssertionError(kind);
    }
    return matched != invert;
  }

  private String valueOf(RequestView request) {
    if (name.charAt(0) == ':') {
      switch (name) {
        case ":method":
          return request.method();
        case ":authority":
          return request.authority();
        case ":path":
          return request.path();
        default:
          break;
      }
    }
    return request.header(name);
  }

  /** Parses a base-10 long without allocating; a value that is not one never matches. */
  private boolean inRange(String value) {
    int n = value.length();
    if (n == 0 || n > 20) {
      return false;
    }
    int i = 0;
    boolean negative = false;
    if (value.charAt(0) == '-' || value.charAt(0) == '+') {
      negative = value.charAt(0) == '-';
      i = 1;
      if (n == 1) {
        return false;
      }
    }
    long acc = 0;
    for (; i < n; i++) {
      int d = value.charAt(i) - '0';
      if (d < 0 || d > 9) {
        return false;
      }
      if (acc < (Long.MIN_VALUE + d) / 10) {
        return false;
      }
      acc = acc * 10 - d;
    }
    if (!negative) {
      if (acc == Long.MIN_VALUE) {
        return false;
      }
      acc = -acc;
    }
    return acc >= rangeStart && acc < rangeEnd;
  }
}
