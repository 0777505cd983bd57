package dev.jmesh.dataplane.record;

/** Istio's {@code request_protocol} label: what the request or connection spoke. */
public enum RequestProtocol {
  HTTP("http"),
  GRPC("grpc"),
  TCP("tcp");

  private final String label;

  RequestProtocol(String label) {
    this.label = label;
  }

  /** The label value Istio uses. */
  public String label() {
    return label;
  }
}
