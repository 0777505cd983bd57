package dev.jmesh.testing;

import dev.jmesh.testing.PrometheusText.Sample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rules of Prometheus' text format that hold across lines; see {@link
 * PrometheusText#parseStrict}.
 */
final class ExpositionRules {

  private static final Set<String> TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped");

  private ExpositionRules() {}

  static void check(String text, List<Sample> samples) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition does not end with a newline");
    }
    Map<String, String> types = new HashMap<>();
    Set<String> helped = new HashSet<>();
    Set<String> seen = new HashSet<>();
    int sample = 0;
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        String name = line.substring(7).split(" ", 2)[0];
        if (!helped.add(name)) {
          throw new AssertionError("HELP given twice for " + name);
        }
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        if (parts.length != 2 || !TYPES.contains(parts[1])) {
          throw new AssertionError("bad TYPE line: " + line);
        }
        if (types.put(parts[0], parts[1]) != null) {
          throw new AssertionError("TYPE given twice for " + parts[0]);
        }
      } else if (!line.startsWith("#")) {
        // The samples were parsed from the same lines, in order.
        Sample s = samples.get(sample++);
        if (family(s.name(), types) == null) {
          throw new AssertionError("sample before its TYPE: " + line);
        }
        if (!seen.add(s.name() + new TreeMap<>(s.labels()))) {
          throw new AssertionError("series written twice: " + line);
        }
      }
    }
    for (Map.Entry<String, String> type : types.entrySet()) {
      if (type.getValue().equals("histogram")) {
        checkHistogram(type.getKey(), samples);
      }
    }
  }

  private static void checkHistogram(String name, List<Sample> samples) {
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
        String le = bucket.labels().get("le");
        double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
        if (bound <= previousLe || bucket.value() < previousCount) {
          throw new AssertionError("buckets of " + name + " not cumulative: " + e.getValue());
        }
        previousLe = bound;
        previousCount = bucket.value();
      }
      if (previousLe != Double.POSITIVE_INFINITY) {
        throw new AssertionError("histogram " + name + " lacks le=\"+Inf\": " + e.getValue());
      }
      double count = valueOf(samples, name + "_count", e.getKey());
      valueOf(samples, name + "_sum", e.getKey());
      if (count != previousCount) {
        throw new AssertionError(name + "_count " + count + " differs from +Inf " + previousCount);
      }
    }
  }

  private static double valueOf(List<Sample> samples, String name, Map<String, String> labels) {
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
}
