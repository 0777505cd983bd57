package dev.jmesh.controlplane.internal.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.jmesh.controlplane.config.StringMatch;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import dev.jmesh.controlplane.internal.yaml.YamlTypeException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reading helpers shared by the resource parsers; every failure names its line. */
final class Fields {
  private Fields() {}

  static YamlTypeException fail(YamlNode node, String message) {
    return new YamlTypeException(node.line(), message);
  }

  /** An enum value; the message lists what would have been accepted. */
  static <E extends Enum<E>> E enumValue(YamlNode node, String what, Class<E> type, E fallback) {
    String text = node.text(what);
    if (text == null || text.isEmpty()) {
      return fallback;
    }
    try {
      return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw fail(
          node,
          what
              + ": '"
              + text
              + "' is not one of "
              + java.util.Arrays.toString(type.getEnumConstants()));
    }
  }

  static int port(YamlNode node, String what) {
    int port = node.intValue(what, 0);
    if (port < 0 || port > 65535) {
      throw fail(node, what + ": " + port + " is not a port number (1-65535)");
    }
    return port;
  }

  /** A percentage in [0, 100]; Istio's old integer {@code percent} or {@code percentage.value}. */
  static double percentage(YamlNode parent, String what, double fallback) {
    YamlNode percentage = parent.get("percentage");
    Double value;
    YamlNode at;
    if (percentage.isPresent()) {
      at = percentage.get("value");
      value = at.doubleValue(what + ".percentage.value");
      if (value == null) {
        value = 0.0;
      }
    } else {
      at = parent.get("percent");
      value = at.doubleValue(what + ".percent");
    }
    if (value == null) {
      return fallback;
    }
    if (value < 0 || value > 100) {
      throw fail(at, what + ": percentage " + value + " must be between 0 and 100");
    }
    return value;
  }

  /** StringMatch ({@code exact}, {@code prefix} or {@code regex}); null when missing. */
  static StringMatch stringMatch(YamlNode node, String what) {
    if (node.isMissing()) {
      return null;
    }
    Map<String, YamlNode> entries = node.entries(what);
    if (entries.size() != 1) {
      throw fail(node, what + ": give exactly one of exact, prefix or regex");
    }
    Map.Entry<String, YamlNode> e = entries.entrySet().iterator().next();
    String value = e.getValue().text(what + "." + e.getKey(), "");
    switch (e.getKey()) {
      case "exact":
        return new StringMatch(StringMatch.Kind.EXACT, value, e.getValue().line());
      case "prefix":
        return new StringMatch(StringMatch.Kind.PREFIX, value, e.getValue().line());
      case "regex":
        try {
          Pattern.compile(value);
        } catch (PatternSyntaxException ex) {
          throw fail(
              e.getValue(),
              what + ": regex '" + value + "' is not valid RE2: " + ex.getDescription());
        }
        return new StringMatch(StringMatch.Kind.REGEX, value, e.getValue().line());
      default:
        throw fail(
            e.getValue(), what + ": '" + e.getKey() + "' is not one of exact, prefix, regex");
    }
  }

  static Map<String, StringMatch> stringMatches(YamlNode node, String what) {
    Map<String, StringMatch> out = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> e : node.entries(what).entrySet()) {
      StringMatch m = stringMatch(e.getValue(), what + "." + e.getKey());
      if (m == null) {
        // Istio treats an empty header match as "header present".
        m = new StringMatch(StringMatch.Kind.REGEX, ".*", e.getValue().line());
      }
      out.put(e.getKey(), m);
    }
    return out;
  }

  /** {@code workloadSelector: {labels: ...}} or {@code selector: {matchLabels: ...}}. */
  static Map<String, String> labels(YamlNode selector, String key, String what) {
    return selector.get(key).stringMap(what);
  }
}
