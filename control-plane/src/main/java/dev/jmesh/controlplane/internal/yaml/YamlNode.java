package dev.jmesh.controlplane.internal.yaml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value that remembers the line it started on, so that every error about a field can
 * name the line the user has to fix.
 *
 * <p>Accessors never return {@code null}: a missing key yields {@link #isMissing() a missing
 * node} carrying the line of its parent, and type errors throw {@link YamlTypeException} with
 * the offending line.
 */
public final class YamlNode {
  /** What a node holds. */
  public enum Type {
    MAP,
    LIST,
    SCALAR,
    NULL,
    MISSING
  }

  private final Type type;
  private final int line;
  private final String scalar;
  private final Map<String, YamlNode> map;
  private final List<YamlNode> list;

  private YamlNode(
      Type type, int line, String scalar, Map<String, YamlNode> map, List<YamlNode> list) {
    this.type = type;
    this.line = line;
    this.scalar = scalar;
    this.map = map;
    this.list = list;
  }

  static YamlNode scalar(int line, String value) {
    return new YamlNode(Type.SCALAR, line, value, Map.of(), List.of());
  }

  static YamlNode nullNode(int line) {
    return new YamlNode(Type.NULL, line, null, Map.of(), List.of());
  }

  static YamlNode map(int line, LinkedHashMap<String, YamlNode> entries) {
    return new YamlNode(Type.MAP, line, null, Collections.unmodifiableMap(entries), List.of());
  }

  static YamlNode list(int line, List<YamlNode> items) {
    return new YamlNode(Type.LIST, line, null, Map.of(), List.copyOf(items));
  }

  static YamlNode missing(int line) {
    return new YamlNode(Type.MISSING, line, null, Map.of(), List.of());
  }

  public Type type() {
    return type;
  }

  /** The 1-based line this value starts on. */
  public int line() {
    return line;
  }

  /** True when the key was absent or its value was {@code null} / {@code ~}. */
  public boolean isMissing() {
    return type == Type.MISSING || type == Type.NULL;
  }

  public boolean isPresent() {
    return !isMissing();
  }

  public boolean isMap() {
    return type == Type.MAP;
  }

  public boolean isList() {
    return type == Type.LIST;
  }

  public boolean isScalar() {
    return type == Type.SCALAR;
  }

  /** The value at {@code key} of a map; a missing node when absent or when this is no map. */
  public YamlNode get(String key) {
    YamlNode child = map.get(key);
    return child != null ? child : missing(line);
  }

  /** Follows a path of keys. */
  public YamlNode path(String... keys) {
    YamlNode node = this;
    for (String key : keys) {
      node = node.get(key);
    }
    return node;
  }

  /** Entries of a map, in document order; empty when missing. */
  public Map<String, YamlNode> entries(String what) {
    if (isMissing()) {
      return Map.of();
    }
    if (type != Type.MAP) {
      throw new YamlTypeException(line, what + ": expected a map, got " + describe());
    }
    return map;
  }

  /** Items of a list; empty when missing. */
  public List<YamlNode> items(String what) {
    if (isMissing()) {
      return List.of();
    }
    if (type != Type.LIST) {
      throw new YamlTypeException(line, what + ": expected a list, got " + describe());
    }
    return list;
  }

  /** A scalar's text, or {@code null} when missing. */
  public String text(String what) {
    if (isMissing()) {
      return null;
    }
    if (type != Type.SCALAR) {
      throw new YamlTypeException(line, what + ": expected a value, got " + describe());
    }
    return scalar;
  }

  public String text(String what, String fallback) {
    String value = text(what);
    return value != null ? value : fallback;
  }

  /** A scalar's text; throws when it is missing or empty. */
  public String requiredText(String what) {
    String value = text(what);
    if (value == null || value.isEmpty()) {
      throw new YamlTypeException(line, what + " is required");
    }
    return value;
  }

  /** A list of strings; a single scalar counts as a list of one. */
  public List<String> texts(String what) {
    if (isMissing()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (YamlNode item : items(what)) {
      out.add(item.requiredText(what + " item"));
    }
    return List.copyOf(out);
  }

  /** A map of string to string (labels, annotations, headers). */
  public Map<String, String> stringMap(String what) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> e : entries(what).entrySet()) {
      out.put(e.getKey(), e.getValue().text(what + "." + e.getKey(), ""));
    }
    return Collections.unmodifiableMap(out);
  }

  public Long longValue(String what) {
    String value = text(what);
    if (value == null) {
      return null;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new YamlTypeException(line, what + ": expected an integer, got '" + value + "'");
    }
  }

  public int intValue(String what, int fallback) {
    Long value = longValue(what);
    if (value == null) {
      return fallback;
    }
    if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
      throw new YamlTypeException(line, what + ": " + value + " is out of range");
    }
    return value.intValue();
  }

  public Double doubleValue(String what) {
    String value = text(what);
    if (value == null) {
      return null;
    }
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new YamlTypeException(line, what + ": expected a number, got '" + value + "'");
    }
  }

  public boolean boolValue(String what, boolean fallback) {
    String value = text(what);
    if (value == null) {
      return fallback;
    }
    switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new YamlTypeException(line, what + ": expected true or false, got '" + value + "'");
    }
  }

  private String describe() {
    switch (type) {
      case MAP:
        return "a map";
      case LIST:
        return "a list";
      case SCALAR:
        return "'" + scalar + "'";
      default:
        return "nothing";
    }
  }

  @Override
  public String toString() {
    switch (type) {
      case MAP:
        return map.toString();
      case LIST:
        return list.toString();
      case SCALAR:
        return scalar;
      default:
        return "null";
    }
  }
}
