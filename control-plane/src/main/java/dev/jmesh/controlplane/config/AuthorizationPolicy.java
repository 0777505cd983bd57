package dev.jmesh.controlplane.config;

import java.util.List;
import java.util.Map;

/** Istio's AuthorizationPolicy; enforced by the data path, parsed and validated here. */
public record AuthorizationPolicy(
    ResourceMeta meta,
    Map<String, String> selector,
    Action action,
    String provider,
    List<Rule> rules)
    implements ConfigResource {

  /** What a matching rule does. */
  public enum Action {
    ALLOW,
    DENY,
    AUDIT,
    CUSTOM
  }

  /** A rule: every part must match. Each {@code from}/{@code to} item is ORed. */
  public record Rule(List<Source> from, List<Operation> to, List<Condition> when, int line) {
    public Rule {
      from = List.copyOf(from);
      to = List.copyOf(to);
      when = List.copyOf(when);
    }
  }

  /** Source fields, {@code not*} fields negated. Keys are Istio's field names. */
  public record Source(Map<String, List<String>> fields) {
    public Source {
      fields = Ordered.copy(fields);
    }
  }

  /** Operation fields (hosts, ports, methods, paths and their {@code not} forms). */
  public record Operation(Map<String, List<String>> fields) {
    public Operation {
      fields = Ordered.copy(fields);
    }
  }

  /** A {@code when} condition on a request attribute. */
  public record Condition(String key, List<String> values, List<String> notValues) {
    public Condition {
      values = List.copyOf(values);
      notValues = List.copyOf(notValues);
    }
  }

  public AuthorizationPolicy {
    selector = Map.copyOf(selector);
    rules = List.copyOf(rules);
  }
}
