package dev.jmesh.controlplane.internal.registry;

import dev.jmesh.controlplane.config.ServicePort;
import java.util.List;
import java.util.Optional;

/**
 * A service as the data path sees it: a fully qualified host name, its ports and endpoints,
 * whatever resource described it (ServiceEntry or Kubernetes Service).
 *
 * @param resolution STATIC (endpoints known), DNS (resolve the endpoint names) or NONE
 *     (pass through to the address the client asked for)
 * @param source the resource that defined it, for {@code /debug/registryz} and errors
 */
public record MeshService(
    String hostname,
    String namespace,
    List<ServicePort> ports,
    List<String> addresses,
    Resolution resolution,
    boolean external,
    List<ServiceEndpoint> endpoints,
    String source,
    List<String> exportTo) {

  /** How endpoints are found, reduced to what translation needs. */
  public enum Resolution {
    STATIC,
    DNS,
    NONE
  }

  public MeshService {
    ports = List.copyOf(ports);
    addresses = List.copyOf(addresses);
    endpoints = List.copyOf(endpoints);
    exportTo = List.copyOf(exportTo);
  }

  /**
   * Istio's {@code exportTo}: empty or {@code *} is every namespace, {@code .} the resource's
   * own, {@code ~} none, anything else a namespace name.
   */
  public static boolean exported(List<String> exportTo, String resourceNamespace,
      String toNamespace) {
    if (exportTo.isEmpty() || exportTo.contains("*") || exportTo.contains(toNamespace)) {
      return true;
    }
    return exportTo.contains(".") && resourceNamespace.equals(toNamespace);
  }

  public Optional<ServicePort> port(int number) {
    return ports.stream().filter(p -> p.number() == number).findFirst();
  }
}
