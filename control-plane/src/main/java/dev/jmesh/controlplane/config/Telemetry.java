package dev.jmesh.controlplane.config;

import java.util.List;
import java.util.Map;

/**
 * Istio's Telemetry API: tracing, access logging and metrics providers and settings for the
 * workloads it selects (the root namespace's without selector applies mesh-wide).
 */
public record Telemetry(
    ResourceMeta meta,
    Map<String, String> selector,
    List<Tracing> tracing,
    List<AccessLogging> accessLogging,
    List<Metrics> metrics)
    implements ConfigResource {

  /** A tracing entry; {@code randomSamplingPercentage} is null when not given. */
  public record Tracing(List<String> providers, Double randomSamplingPercentage,
      boolean disableSpanReporting, Map<String, String> customTagLiterals, int line) {
    public Tracing {
      providers = List.copyOf(providers);
      customTagLiterals = Map.copyOf(customTagLiterals);
    }
  }

  /** An access logging entry; {@code filter} is a CEL expression as written. */
  public record AccessLogging(List<String> providers, boolean disabled, String filter,
      int line) {
    public AccessLogging {
      providers = List.copyOf(providers);
    }
  }

  /** A metrics entry: providers and per-metric overrides (disabled, tag changes). */
  public record Metrics(List<String> providers, List<Override> overrides, int line) {
    public Metrics {
      providers = List.copyOf(providers);
      overrides = List.copyOf(overrides);
    }
  }

  /** One override: which metric ({@code ALL_METRICS}, {@code REQUEST_COUNT}...) and mode. */
  public record Override(String metric, String mode, boolean disabled,
      Map<String, String> tagOverrides) {
    public Override {
      tagOverrides = Map.copyOf(tagOverrides);
    }
  }

  public Telemetry {
    selector = Map.copyOf(selector);
    tracing = List.copyOf(tracing);
    accessLogging = List.copyOf(accessLogging);
    metrics = List.copyOf(metrics);
  }
}
