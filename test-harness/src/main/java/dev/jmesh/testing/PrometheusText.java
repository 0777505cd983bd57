package dev.jmesh.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A parsed Prometheus text exposition ({@code /stats/prometheus}).
 *
 * <pre>{@code
 * double n = jvm.metrics().value("jmesh_agent_binds_total", "port", "8080");
 * }</pre>
 */
public final class PrometheusText {

  /** One sample line: metric name, labels in order of appearance, value. */
  public record Sample(String name, Map<String, String> labels, double value) {
    @Override
    public String toString() {
      return name
          + labels.entrySet().stream()
              .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
              .collect(Collectors.joining(",", "{", "}"))
          + " "
          + value;
    }
  }

  private final List<Sample> samples;
  private final String text;

  private PrometheusText(List<Sample> samples, String text) {
    this.samples = samples;
    this.text = text;
  }

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      samples.add(parseSample(line));
    }
    return new PrometheusText(List.copyOf(samples), text);
  }

  /**
   * Parses {@code text} and holds it to what a Prometheus server or {@code promtool check
   * metrics} would reject besides bad lines: a sample before its family's TYPE, HELP or TYPE given
   * twice, a series written twice, histogram buckets that are not cumulative, lack {@code +Inf}
   * or disagree with {@code _count}, and text not ending in a newline.
   */
  public static PrometheusText parseStrict(String text) {
    PrometheusText page = parse(text);
    ExpositionRules.check(text, page.samples);
    return page;
  }

  /** The one sample that matches; fails if none or several do. */
  public Sample sample(String name, String... labels) {
    List<Sample> matching = samples(name, labels);
    if (matching.size() != 1) {
      throw new AssertionError(
          matching.size() + " samples match " + describe(name, labels) + ": " + samples(name));
    }
    return matching.get(0);
  }

  /** The samples of a metric whose labels include all the given {@code key, value} pairs. */
  public List<Sample> samples(String name, String... labels) {
    Map<String, String> wanted = pairs(labels);
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(wanted.entrySet()))
        .toList();
  }

  /** The sum of the values of the samples {@link #samples(String, String...)} matches; 0 if none. */
  public double sum(String name, String... labels) {
    return samples(name, labels).stream().mapToDouble(Sample::value).sum();
  }

  /** The value of the one matching sample, if there is one; fails if several match. */
  public Optional<Double> find(String name, String... labels) {
    List<Sample> matching = samples(name, labels);
    if (matching.size() > 1) {
      throw new AssertionError(
          "several samples match " + describe(name, labels) + ": " + matching);
    }
    return matching.stream().findFirst().map(Sample::value);
  }

  /** The value of the one matching sample; fails, listing the metric's samples, if none does. */
  public double value(String name, String... labels) {
    return find(name, labels)
        .orElseThrow(
            () ->
                new AssertionError(
                    "no sample " + describe(name, labels) + " in /stats/prometheus; samples of "
                        + name + ": " + samples(name)));
  }

  /** All samples. */
  public List<Sample> samples() {
    return samples;
  }

  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }

  static String describe(String name, String... labels) {
    return name
        + pairs(labels).entrySet().stream()
            .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
            .collect(Collectors.joining(",", "{", "}"));
  }

  private static Map<String, String> pairs(String... labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in key, value pairs");
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      pairs.put(labels[i], labels[i + 1]);
    }
    return pairs;
  }

  private static Sample parseSample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    int rest;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.substring(0, brace);
      rest = parseLabels(line, brace + 1, labels);
    } else {
      name = line.substring(0, space);
      rest = space;
    }
    if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
      throw new IllegalArgumentException("bad metric name in: " + line);
    }
    String[] valueAndTime = line.substring(rest).strip().split("\\s+");
    return new Sample(name, Map.copyOf(labels), parseValue(valueAndTime[0], line));
  }

  /** Parses {@code k="v",...}} from {@code start}; returns the index after the closing brace. */
  private static int parseLabels(String line, int start, Map<String, String> labels) {
    int i = start;
    while (true) {
      while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
        i++;
      }
      if (i >= line.length()) {
        throw new IllegalArgumentException("unterminated labels: " + line);
      }
      if (line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).strip();
      if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        throw new IllegalArgumentException("bad label name '" + key + "' in: " + line);
      }
      i = eq + 1;
      if (line.charAt(i) != '"') {
        throw new IllegalArgumentException("label value not quoted: " + line);
      }
      StringBuilder value = new StringBuilder();
      for (i++; line.charAt(i) != '"'; i++) {
        char c = line.charAt(i);
        if (c == '\\') {
          char next = line.charAt(++i);
          switch (next) {
            case 'n' -> value.append('\n');
            case '\\', '"' -> value.append(next);
            default -> throw new IllegalArgumentException("bad escape \\" + next + " in: " + line);
          }
        } else {
          value.append(c);
        }
      }
      if (labels.put(key, value.toString()) != null) {
        throw new IllegalArgumentException("label " + key + " given twice in: " + line);
      }
      i++;
    }
  }

  private static double parseValue(String value, String line) {
    switch (value) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(value);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad sample value in: " + line, e);
        }
    }
  }
}
