package dev.jmesh.dataplane.record;

/**
 * Renders and parses a set of {@link ResponseFlag}s held as an {@code int}, the way Envoy's access
 * log does: short names in Envoy's order, comma-separated, {@code -} when none is set. Records keep
 * the bit set; text is made only when someone reads it (a scrape, a log line).
 */
public final class ResponseFlags {

  /** What Envoy prints when no flag is set. */
  public static final String NONE = "-";

  private static final ResponseFlag[] FLAGS = ResponseFlag.values();
  private static final String[] SINGLE = new String[FLAGS.length];

  static {
    for (ResponseFlag flag : FLAGS) {
      SINGLE[flag.ordinal()] = flag.shortName();
    }
  }

  private ResponseFlags() {}

  public static int of(ResponseFlag... flags) {
    int bits = 0;
    for (ResponseFlag flag : flags) {
      bits |= flag.bit();
    }
    return bits;
  }

  /** {@code UT,URX}, or {@code -} for none. Bits that are not Envoy flags are ignored. */
  public static String toShortString(int flags) {
    int known = flags & ResponseFlag.ALL;
    if (known == 0) {
      return NONE;
    }
    if (Integer.bitCount(known) == 1) {
      return SINGLE[Integer.numberOfTrailingZeros(known)];
    }
    StringBuilder out = new StringBuilder(16);
    for (ResponseFlag flag : FLAGS) {
      if (flag.in(known)) {
        if (out.length() > 0) {
          out.append(',');
        }
        out.append(flag.shortName());
      }
    }
    return out.toString();
  }

  /**
   * The bit set that {@link #toShortString} printed; {@code -} and the empty string are none.
   *
   * @throws IllegalArgumentException naming the part that is not one of Envoy's short names
   */
  public static int parse(String text) {
    if (text.isEmpty() || text.equals(NONE)) {
      return 0;
    }
    int bits = 0;
    for (String part : text.split(",", -1)) {
      bits |= named(part.strip()).bit();
    }
    return bits;
  }

  private static ResponseFlag named(String shortName) {
    for (ResponseFlag flag : FLAGS) {
      if (flag.shortName().equals(shortName)) {
        return flag;
      }
    }
    throw new IllegalArgumentException(
        "'" + shortName + "' is not one of Envoy's response flags (UH, UF, UO, NR, URX, ...)");
  }
}
