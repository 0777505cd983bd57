package dev.jmesh.controlplane.config;

import java.util.List;
import java.util.Map;

/** Istio's ServiceEntry: a service by host name, its ports and (optionally) its endpoints. */
public record ServiceEntry(
    ResourceMeta meta,
    List<String> hosts,
    List<String> addresses,
    List<ServicePort> ports,
    Location location,
    Resolution resolution,
    List<WorkloadEntry.Workload> endpoints,
    Map<String, String> workloadSelector,
    List<String> exportTo)
    implements ConfigResource {

  /** {@code MESH_EXTERNAL} or {@code MESH_INTERNAL}. */
  public enum Location {
    MESH_EXTERNAL,
    MESH_INTERNAL
  }

  /** How endpoints are found. */
  public enum Resolution {
    NONE,
    STATIC,
    DNS,
    DNS_ROUND_ROBIN
  }

  public ServiceEntry {
    hosts = List.copyOf(hosts);
    addresses = List.copyOf(addresses);
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
    workloadSelector = Map.copyOf(workloadSelector);
    exportTo = List.copyOf(exportTo);
  }
}
