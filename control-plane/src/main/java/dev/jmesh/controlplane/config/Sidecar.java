package dev.jmesh.controlplane.config;

import java.util.List;
import java.util.Map;

/** Istio's Sidecar: which hosts a workload's proxy gets configuration for. */
public record Sidecar(
    ResourceMeta meta,
    Map<String, String> workloadSelector,
    List<Egress> egress,
    MeshConfig.OutboundTrafficPolicy outboundTrafficPolicy)
    implements ConfigResource {

  /** IstioEgressListener; {@code hosts} as {@code namespace/dnsName}. */
  public record Egress(int port, String bind, List<String> hosts, int line) {
    public Egress {
      hosts = List.copyOf(hosts);
    }
  }

  public Sidecar {
    workloadSelector = Map.copyOf(workloadSelector);
    egress = List.copyOf(egress);
  }
}
