package dev.jmesh.dataplane.stats;

/** Writes Prometheus' text exposition format (version 0.0.4). */
public final class PrometheusText {

  private final StringBuilder out;

  public PrometheusText(StringBuilder out) {
    this.out = out;
  }

  public PrometheusText header(String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    return this;
  }

  /** One sample; {@code labels} alternate name and value. */
  public PrometheusText sample(String name, long value, String... labels) {
    out.append(name);
    if (labels.length > 0) {
      out.append('{');
      appendLabels(out, labels);
      out.append('}');
    }
    out.append(' ').append(value).append('\n');
    return this;
  }

  /**
   * One sample whose labels were rendered beforehand by {@link #labels}, so a series that is
   * written at every scrape escapes its label values once.
   */
  public PrometheusText sample(String name, String renderedLabels, long value) {
    out.append(name).append('{').append(renderedLabels).append("} ").append(value).append('\n');
    return this;
  }

  /** As {@link #sample(String, String, long)}, with one more label last (a histogram's le). */
  public PrometheusText sample(
      String name, String renderedLabels, String lastName, String lastValue, long value) {
    out.append(name).append('{').append(renderedLabels);
    if (!renderedLabels.isEmpty()) {
      out.append(',');
    }
    out.append(lastName).append("=\"");
    escape(lastValue, out);
    out.append("\"} ").append(value).append('\n');
    return this;
  }

  /** {@code a="x",b="y"} with values escaped; {@code namesAndValues} alternate. */
  public static String labels(String... namesAndValues) {
    StringBuilder rendered = new StringBuilder(64);
    appendLabels(rendered, namesAndValues);
    return rendered.toString();
  }

  private static void appendLabels(StringBuilder to, String[] namesAndValues) {
    for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
      if (i > 0) {
        to.append(',');
      }
      to.append(namesAndValues[i]).append("=\"");
      escape(namesAndValues[i + 1], to);
      to.append('"');
    }
  }

  private static void escape(String value, StringBuilder to) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> to.append("\\\\");
        case '"' -> to.append("\\\"");
        case '\n' -> to.append("\\n");
        default -> to.append(c);
      }
    }
  }
}
