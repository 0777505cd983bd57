package dev.jmesh.controlplane.config;

import java.util.Map;

/** The Kubernetes-style header every resource has, plus where it was read from. */
public record ResourceMeta(
    String apiVersion,
    String kind,
    String name,
    String namespace,
    Map<String, String> labels,
    Location location) {

  public ResourceMeta {
    labels = Map.copyOf(labels);
  }

  public ResourceId id() {
    return new ResourceId(kind, namespace, name);
  }
}
