package dev.jmesh.dataplane.config;

/**
 * The workload behind an endpoint, from istiod's {@code filter_metadata.istio.workload} ({@code
 * name;namespace;canonical service;canonical revision;cluster}). The caller's metrics name the
 * workload that answered with it: the source reporter's {@code destination_workload} and its
 * companions. Empty parts stay empty; the metrics read them as {@code unknown}.
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
   * Parses istiod's value.
   *
   * @param at where the value is, for the error
   * @throws InvalidConfigException when it does not have istiod's five parts
   */
  public static EndpointWorkload parse(String value, String at) throws InvalidConfigException {
    String[] parts = value.split(";", -1);
    if (parts.length != 5) {
      throw new InvalidConfigException(
          at,
          "expected istiod's 'name;namespace;canonical service;canonical revision;cluster'"
              + " (5 parts separated by ';'), got "
              + parts.length
              + " parts");
    }
    return new EndpointWorkload(parts[0], parts[1], parts[2], parts[3], parts[4]);
  }
}
