package dev.jmesh.dataplane.stats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict reader of Prometheus' text format for tests, after the one in {@code test-harness}
 * (which dataplane cannot depend on): it parses samples and fails on what a Prometheus server or
 * {@code promtool check metrics} would reject — a sample before its family's TYPE, a TYPE given
 * twice, the same series twice, a label value with a bad escape, histogram buckets that shrink,
 * lack {@code +Inf}, or disagree with {@code _count}.
 */
final class Exposition {

  record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private Exposition(List<Sample> samples) {
    this.samples = samples;
  }

  static Exposition parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition does not end with a newline");
    }
    Map<String, String> types = new HashMap<>();
    Set<String> helped = new HashSet<>();
    Set<String> seen = new HashSet<>();
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        String name = line.substring(7).split(" ", 2)[0];
        if (!helped.add(name)) {
          throw new AssertionError("HELP given twice for " + name);
        }
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        if (parts.length != 2
            || !Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[1])) {
          throw new AssertionError("bad TYPE line: " + line);
        }
        if (types.put(parts[0], parts[1]) != null) {
          throw new AssertionError("TYPE given twice for " + parts[0]);
        }
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      Sample sample = parseSample(line);
      String family = family(sample.name(), types);
      if (family == null) {
        throw new AssertionError("sample before its TYPE: " + line);
      }
      if (!seen.add(sample.name() + new TreeMap<>(sample.labels()))) {
        throw new AssertionError("series written twice: " + line);
      }
      samples.add(sample);
    }
    Exposition exposition = new Exposition(List.copyOf(samples));
    for (Map.Entry<String, String> type : types.entrySet()) {
      if (type.getValue().equals("histogram")) {
        exposition.checkHistogram(type.getKey());
      }
    }
    return exposition;
  }

  List<Sample> samples() {
    return samples;
  }

  /** The samples of {@code name} whose labels include the given pairs. */
  List<Sample> samples(String name, String... labels) {
    List<Sample> matching = new ArrayList<>();
    for (Sample s : samples) {
      if (s.name().equals(name) && includes(s.labels(), labels)) {
        matching.add(s);
      }
    }
    return matching;
  }

  /** The value of the one sample that matches; fails if none or several do. */
  double value(String name, String... labels) {
    List<Sample> matching = samples(name, labels);
    if (matching.size() != 1) {
      throw new AssertionError(
          matching.size()
              + " samples of "
              + name
              + " match "
              + List.of(labels)
              + ": "
              + samples(name));
    }
    return matching.get(0).value();
  }

  /** The one sample that matches. */
  Sample sample(String name, String... labels) {
    List<Sample> matching = samples(name, labels);
    if (matching.size() != 1) {
      throw new AssertionError(
          matching.size()
              + " samples of "
              + name
              + " match "
              + List.of(labels)
              + ": "
              + samples(name));
    }
    return matching.get(0);
  }

  private void checkHistogram(String name) {
    Map<Map<String, String>, List<Sample>> bySeries = new LinkedHashMap<>();
    for (Sample s : samples) {
      if (s.name().equals(name + "_bucket")) {
        Map<String, String> labels = new TreeMap<>(s.labels());
        if (labels.remove("le") == null) {
          throw new AssertionError("bucket without le: " + s);
        }
        bySeries.computeIfAbsent(labels, k -> new ArrayList<>()).add(s);
      }
    }
    for (Map.Entry<Map<String, String>, List<Sample>> e : bySeries.entrySet()) {
      double previousLe = Double.NEGATIVE_INFINITY;
      double previousCount = 0;
      for (Sample bucket : e.getValue()) {
        double le = parseValue(bucket.labels().get("le"), bucket.toString());
        if (le <= previousLe || bucket.value() < previousCount) {
          throw new AssertionError("buckets of " + name + " not cumulative: " + e.getValue());
        }
        previousLe = le;
        previousCount = bucket.value();
      }
      if (previousLe != Double.POSITIVE_INFINITY) {
        throw new AssertionError("histogram " + name + " lacks le=\"+Inf\": " + e.getValue());
      }
      double count = valueOf(name + "_count", e.getKey());
      valueOf(name + "_sum", e.getKey());
      if (count != previousCount) {
        throw new AssertionError(name + "_count " + count + " differs from +Inf " + previousCount);
      }
    }
  }

  private double valueOf(String name, Map<String, String> labels) {
    for (Sample s : samples) {
      if (s.name().equals(name) && new TreeMap<>(s.labels()).equals(labels)) {
        return s.value();
      }
    }
    throw new AssertionError("no " + name + " for " + labels);
  }

  private static String family(String sample, Map<String, String> types) {
    if (types.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        if ("histogram".equals(types.get(base))) {
          return base;
        }
      }
    }
    return null;
  }

  private static boolean includes(Map<String, String> labels, String... pairs) {
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
        return false;
      }
    }
    return true;
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
      throw new AssertionError("bad metric name in: " + line);
    }
    String[] valueAndTime = line.substring(rest).strip().split(" ");
    return new Sample(name, labels, parseValue(valueAndTime[0], line));
  }

  private static int parseLabels(String line, int start, Map<String, String> labels) {
    int i = start;
    while (true) {
      if (line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq);
      if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        throw new AssertionError("bad label name '" + key + "' in: " + line);
      }
      i = eq + 1;
      if (line.charAt(i) != '"') {
        throw new AssertionError("label value not quoted: " + line);
      }
      StringBuilder value = new StringBuilder();
      for (i++; line.charAt(i) != '"'; i++) {
        char c = line.charAt(i);
        if (c == '\\') {
          char next = line.charAt(++i);
          switch (next) {
            case 'n' -> value.append('\n');
            case '\\', '"' -> value.append(next);
            default -> throw new AssertionError("bad escape \\" + next + " in: " + line);
          }
        } else {
          value.append(c);
        }
      }
      if (labels.put(key, value.toString()) != null) {
        throw new AssertionError("label " + key + " given twice in: " + line);
      }
      i++;
      if (line.charAt(i) == ',') {
        i++;
      } else if (line.charAt(i) != '}') {
        throw new AssertionError("expected , or } in: " + line);
      }
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
          throw new AssertionError("bad value in: " + line, e);
        }
    }
  }
}
