package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.internal.yaml.YamlNode;
import dev.jmesh.controlplane.internal.yaml.YamlTypeException;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations as Istio accepts them: Go's {@code time.ParseDuration} form ({@code 7s},
 * {@code 1.5s}, {@code 100ms}, {@code 1m30s}), which includes protobuf JSON's {@code 0.1s}.
 */
final class Durations {
  private Durations() {}

  static Duration read(YamlNode node, String what) {
    String text = node.text(what);
    if (text == null) {
      return null;
    }
    Duration d = parse(text.trim());
    if (d == null) {
      throw new YamlTypeException(
          node.line(), what + ": '" + text + "' is not a duration (use e.g. 5s, 100ms, 1m)");
    }
    return d;
  }

  /** Parses a Go duration; null when malformed. Negative durations are not accepted. */
  static Duration parse(String text) {
    if (text.isEmpty()) {
      return null;
    }
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    long nanos = 0;
    int i = 0;
    while (i < text.length()) {
      int start = i;
      while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        return null;
      }
      BigDecimal number;
      try {
        number = new BigDecimal(text.substring(start, i));
      } catch (NumberFormatException e) {
        return null;
      }
      int unitStart = i;
      while (i < text.length() && Character.isLetter(text.charAt(i))) {
        i++;
      }
      long unitNanos;
      switch (text.substring(unitStart, i)) {
        case "ns":
          unitNanos = 1L;
          break;
        case "us":
        case "µs":
          unitNanos = 1_000L;
          break;
        case "ms":
          unitNanos = 1_000_000L;
          break;
        case "s":
          unitNanos = 1_000_000_000L;
          break;
        case "m":
          unitNanos = 60_000_000_000L;
          break;
        case "h":
          unitNanos = 3_600_000_000_000L;
          break;
        default:
          return null;
      }
      nanos += number.multiply(BigDecimal.valueOf(unitNanos)).longValue();
    }
    return Duration.ofNanos(nanos);
  }
}
