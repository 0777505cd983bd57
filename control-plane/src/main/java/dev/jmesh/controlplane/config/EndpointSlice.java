package dev.jmesh.controlplane.config;

import java.util.List;

/** A {@code discovery.k8s.io/v1} EndpointSlice: the endpoints of one Kubernetes Service. */
public record EndpointSlice(
    ResourceMeta meta, String serviceName, String addressType, List<Port> ports,
    List<Endpoint> endpoints)
    implements ConfigResource {

  /** A port of the slice; {@code name} matches the Service port's name. */
  public record Port(String name, int port, String protocol) {}

  /** One endpoint; {@code ready} is false only when the slice says so. */
  public record Endpoint(
      List<String> addresses, boolean ready, String zone, String nodeName, String targetRef,
      int line) {
    public Endpoint {
      addresses = List.copyOf(addresses);
    }
  }

  public EndpointSlice {
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }
}
