package dev.jmesh.dataplane.record;

/**
 * Istio's {@code reporter} label: which end saw the request. The client side of a call (the
 * outbound data path) reports as {@code source}, the server side (inbound) as {@code destination},
 * so one call counted by both ends is two series, as in Istio.
 */
public enum Reporter {
  SOURCE("source"),
  DESTINATION("destination");

  private final String label;

  Reporter(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
