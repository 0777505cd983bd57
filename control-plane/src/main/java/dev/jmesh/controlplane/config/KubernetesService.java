package dev.jmesh.controlplane.config;

import java.util.List;
import java.util.Map;

/**
 * A Kubernetes {@code v1/Service}, so a service can be described in the directory exactly as a
 * cluster would. Its host is {@code name.namespace.svc.<domain>}.
 */
public record KubernetesService(
    ResourceMeta meta,
    Map<String, String> selector,
    List<ServicePort> ports,
    String clusterIp,
    String type,
    String externalName)
    implements ConfigResource {
  public KubernetesService {
    selector = Map.copyOf(selector);
    ports = List.copyOf(ports);
  }
}
