package dev.jmesh.dataplane.config;

import java.util.Arrays;

/**
 * The workload behind an endpoint, from istiod's {@code filter_metadata.istio.workload} ({@code
 * name;namespace;canonical service;canonical revision;cluster}). The caller's metrics name the
 * workload that answered with it: the source reporter's {@code destination_workload} and its
 * companions. Empty or missing parts stay empty; the metrics read them as {@code unknown}.
 */
public record EndpointWorkload(
    String name,
    String namespace,
    String canonicalService,
    String canonicalRevision,
    String cluster) {

  /** The filter metadata namespace and key istiod writes it under. */
  public static final String FILTER = "istio";

  public static final String KEY = "workload";

  /**
   * Reads istiod's value leniently, as Envoy treats metadata (opaque, never a reason to refuse an
   * endpoint): parts beyond the fifth are ignored, missing ones are empty. Only labels depend on
   * it, so a value from another control plane's version labels what it can rather than costing the
   * whole assignment.
   */
  public static EndpointWorkload parse(String value) {
    String[] parts = Arrays.copyOf(value.split(";", -1), 5);
    return new EndpointWorkload(
        orEmpty(parts[0]),
        orEmpty(parts[1]),
        orEmpty(parts[2]),
        orEmpty(parts[3]),
        orEmpty(parts[4]));
  }

  private static String orEmpty(String part) {
    return part == null ? "" : part;
  }
}
