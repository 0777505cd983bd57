package dev.jmesh.controlplane.config;

import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import java.util.List;
import java.util.Map;

/**
 * Istio's EnvoyFilter, of which jmesh applies one use: inserting Envoy's local rate limit into
 * the inbound HTTP filter chain of the selected workloads. Every other patch is refused when
 * the resource is read, so what is held here is exactly what is applied.
 */
public record EnvoyFilter(
    ResourceMeta meta, Map<String, String> workloadSelector, List<LocalRateLimitPatch> patches)
    implements ConfigResource {

  /**
   * One {@code HTTP_FILTER} patch inserting {@code envoy.filters.http.local_ratelimit}.
   *
   * @param portNumber the inbound port it applies to, 0 for every port
   * @param operation INSERT_BEFORE, INSERT_FIRST or ADD (all land after the RBAC filters)
   * @param config the filter's configuration, converted from the patch's {@code typed_config}
   * @param line where the patch starts
   */
  public record LocalRateLimitPatch(int portNumber, String operation, LocalRateLimit config,
      int line) {}

  public EnvoyFilter {
    workloadSelector = Map.copyOf(workloadSelector);
    patches = List.copyOf(patches);
  }
}
