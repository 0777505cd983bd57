package dev.jmesh.controlplane.config;

import java.util.Map;

/** Istio's WorkloadEntry: one workload (a VM, a JVM) with its address and labels. */
public record WorkloadEntry(ResourceMeta meta, Workload spec) implements ConfigResource {

  /**
   * The workload fields shared by WorkloadEntry and ServiceEntry {@code endpoints}.
   *
   * @param ports port name to port number on this workload
   * @param weight load-balancing weight, 0 when not given
   */
  public record Workload(
      String address,
      Map<String, Integer> ports,
      Map<String, String> labels,
      String network,
      String locality,
      int weight,
      String serviceAccount,
      int line) {
    public Workload {
      ports = Map.copyOf(ports);
      labels = Map.copyOf(labels);
    }
  }
}
