package dev.jmesh.dataplane.admin;

import java.util.Collection;
import java.util.Map;

/** Just enough JSON writing for the admin endpoint's dumps. */
public final class Json {

  private Json() {}

  /** Writes strings, numbers, booleans, null, maps and collections. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, 0);
    return out.append('\n').toString();
  }

  private static void write(Object value, StringBuilder out, int indent) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
        first = false;
        quote(out, String.valueOf(e.getKey()));
        out.append(": ");
        write(e.getValue(), out, indent + 1);
      }
      out.append(first ? "" : "\n" + "  ".repeat(indent)).append('}');
    } else if (value instanceof Collection<?> list) {
      out.append('[');
      boolean first = true;
      for (Object item : list) {
        out.append(first ? "" : ", ");
        first = false;
        write(item, out, indent + 1);
      }
      out.append(']');
    } else {
      quote(out, value.toString());
    }
  }

  /** Appends {@code s} as a JSON string (the admin endpoint's and the access log's). */
  public static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
