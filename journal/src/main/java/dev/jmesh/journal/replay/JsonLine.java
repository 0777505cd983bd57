package dev.jmesh.journal.replay;

/** One JSON object on one line, written field by field; strings escaped per RFC 8259. */
final class JsonLine {

  private final StringBuilder out = new StringBuilder(512).append('{');
  private boolean first = true;

  JsonLine field(String name, String value) {
    key(name);
    if (value == null) {
      out.append("null");
    } else {
      quote(out, value);
    }
    return this;
  }

  JsonLine field(String name, long value) {
    key(name);
    out.append(value);
    return this;
  }

  JsonLine field(String name, double value) {
    key(name);
    out.append(Double.isFinite(value) ? Double.toString(value) : "null");
    return this;
  }

  /** A field whose value is already JSON (an object or array built elsewhere). */
  JsonLine raw(String name, String json) {
    key(name);
    out.append(json);
    return this;
  }

  private void key(String name) {
    if (!first) {
      out.append(',');
    }
    first = false;
    quote(out, name);
    out.append(':');
  }

  static void quote(StringBuilder out, String s) {
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

  @Override
  public String toString() {
    return out + "}";
  }
}
