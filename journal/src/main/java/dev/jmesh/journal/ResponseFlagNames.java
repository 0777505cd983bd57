package dev.jmesh.journal;

/**
 * Envoy's response flag short names in Envoy's order: bit {@code i} of an entry's flags is name
 * {@code i}, the same bits the data path's {@code ResponseFlag} uses. The journal format fixes this
 * order; a new flag is appended, never inserted.
 */
public final class ResponseFlagNames {

  private static final String[] NAMES = {
    "LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC",
    "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO"
  };

  private ResponseFlagNames() {}

  /** The flags as Envoy's access log prints them: {@code UT,URX}, or {@code -} for none. */
  public static String text(int bits) {
    if (bits == 0) {
      return "-";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < NAMES.length; i++) {
      if ((bits & (1 << i)) != 0) {
        if (out.length() > 0) {
          out.append(',');
        }
        out.append(NAMES[i]);
      }
    }
    return out.length() == 0 ? "-" : out.toString();
  }

  /** The bit of a short name such as {@code UH}, or -1 when there is no such flag. */
  public static int bit(String name) {
    for (int i = 0; i < NAMES.length; i++) {
      if (NAMES[i].equalsIgnoreCase(name)) {
        return 1 << i;
      }
    }
    return -1;
  }
}
