package dev.jmesh.cli;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes parsed JSON as block YAML, quoting every string that YAML would read as something else.
 */
final class YamlWriter {

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_/][A-Za-z0-9_./|~@-]*");
  private static final List<String> RESERVED =
      List.of("true", "false", "null", "yes", "no", "on", "off", "y", "n", "~");

  private YamlWriter() {}

  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      block(sb, value, 0);
    } else {
      sb.append(scalar(value)).append('\n');
    }
    return sb.toString();
  }

  private static void block(StringBuilder sb, Object value, int indent) {
    if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        sb.append(" ".repeat(indent)).append("{}\n");
      }
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sb.append(" ".repeat(indent)).append(scalar(e.getKey())).append(':');
        nested(sb, e.getValue(), indent + 2);
      }
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        sb.append(" ".repeat(indent)).append("[]\n");
      }
      for (Object item : list) {
        sb.append(" ".repeat(indent)).append('-');
        nested(sb, item, indent + 2);
      }
    }
  }

  private static void nested(StringBuilder sb, Object value, int indent) {
    if (value instanceof Map<?, ?> m && !m.isEmpty()) {
      sb.append('\n');
      block(sb, value, indent);
    } else if (value instanceof List<?> l && !l.isEmpty()) {
      sb.append('\n');
      block(sb, value, indent);
    } else if (value instanceof Map<?, ?>) {
      sb.append(" {}\n");
    } else if (value instanceof List<?>) {
      sb.append(" []\n");
    } else {
      sb.append(' ').append(scalar(value)).append('\n');
    }
  }

  private static String scalar(Object value) {
    if (value == null) {
      return "null";
    }
    if (!(value instanceof String s)) {
      return value.toString();
    }
    if (PLAIN.matcher(s).matches() && !RESERVED.contains(s.toLowerCase())) {
      return s;
    }
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\t' -> q.append("\\t");
        default -> {
          if (c < 0x20) {
            q.append(String.format("\\u%04x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }
}
