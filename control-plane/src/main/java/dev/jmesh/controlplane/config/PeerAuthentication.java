package dev.jmesh.controlplane.config;

import java.util.Map;

/** Istio's PeerAuthentication: the mTLS mode a workload accepts. */
public record PeerAuthentication(
    ResourceMeta meta,
    Map<String, String> selector,
    MtlsMode mode,
    Map<Integer, MtlsMode> portLevelMtls)
    implements ConfigResource {

  /** UNSET inherits from the parent scope. */
  public enum MtlsMode {
    UNSET,
    DISABLE,
    PERMISSIVE,
    STRICT
  }

  public PeerAuthentication {
    selector = Map.copyOf(selector);
    portLevelMtls = Map.copyOf(portLevelMtls);
  }
}
