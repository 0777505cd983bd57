package dev.jmesh.dataplane.trace;

/**
 * Trace and span ids as the header formats write them: lower-case hex, 32 digits for a trace id
 * (two longs), 16 for a span id. Parsing reads a header value in place, so a request whose trace is
 * continued but not sampled costs no allocation.
 */
final class TraceIds {

  /** What {@link #hex} answers for a value that is not hex of the expected length. */
  static final long INVALID = 0;

  private TraceIds() {}

  /**
   * The value of {@code s[from, from + digits)} read as hex, {@code digits} at most 16; {@link
   * #INVALID} (0, which no valid id is) when a character is not a hex digit.
   */
  static long hex(CharSequence s, int from, int digits) {
    if (from < 0 || from + digits > s.length()) {
      return INVALID;
    }
    long v = 0;
    for (int i = from; i < from + digits; i++) {
      int d = digit(s.charAt(i));
      if (d < 0) {
        return INVALID;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /** Whether {@code s[from, from + digits)} is all hex digits. */
  static boolean isHex(CharSequence s, int from, int digits) {
    if (from < 0 || from + digits > s.length()) {
      return false;
    }
    for (int i = from; i < from + digits; i++) {
      if (digit(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static int digit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Appends {@code v} as 16 lower-case hex digits. */
  static StringBuilder appendHex(StringBuilder b, long v) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      b.append(Character.forDigit((int) (v >>> shift) & 0xf, 16));
    }
    return b;
  }

  /** A span id as 16 hex digits. */
  static String spanHex(long v) {
    return appendHex(new StringBuilder(16), v).toString();
  }

  /**
   * A trace id as 32 hex digits, or 16 when its high half is 0 and {@code b3Short} (B3's 64-bit
   * ids).
   */
  static String traceHex(long high, long low, boolean b3Short) {
    StringBuilder b = new StringBuilder(32);
    if (!(b3Short && high == 0)) {
      appendHex(b, high);
    }
    return appendHex(b, low).toString();
  }

  /** A random id that is never 0 (W3C calls an all-zero id invalid). */
  static long nonZero(long random) {
    return random == 0 ? 1 : random;
  }
}
