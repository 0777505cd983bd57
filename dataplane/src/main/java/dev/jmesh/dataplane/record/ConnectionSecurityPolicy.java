package dev.jmesh.dataplane.record;

/**
 * Istio's {@code connection_security_policy} label. The destination knows whether its peer
 * presented a certificate ({@code mutual_tls} or {@code none}); the source reports {@code unknown},
 * as Istio's sidecars do.
 */
public enum ConnectionSecurityPolicy {
  MUTUAL_TLS("mutual_tls"),
  NONE("none"),
  UNKNOWN("unknown");

  private final String label;

  ConnectionSecurityPolicy(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
