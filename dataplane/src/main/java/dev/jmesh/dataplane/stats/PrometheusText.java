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
      for (int i = 0; i + 1 < labels.length; i += 2) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels[i]).append("=\"");
        escape(labels[i + 1]);
        out.append('"');
      }
      out.append('}');
    }
    out.append(' ').append(value).append('\n');
    return this;
  }

  private void escape(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }
}
