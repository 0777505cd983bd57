package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.controlplane.config.Sidecar;
import dev.jmesh.controlplane.config.VirtualService;
import dev.jmesh.controlplane.internal.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything in force at one version: accepted resources, the registry built from them and
 * the problems found on the way. Immutable; replaced as a whole on every change.
 */
public final class MeshSnapshot {
  private final long version;
  private final MeshConfig meshConfig;
  private final List<ConfigResource> resources;
  private final ServiceRegistry registry;
  private final List<Diagnostic> diagnostics;
  private final List<VirtualService> virtualServices;
  private final List<DestinationRule> destinationRules;
  private final List<Sidecar> sidecars;

  public MeshSnapshot(long version, MeshConfig meshConfig, List<ConfigResource> resources,
      ServiceRegistry registry, List<Diagnostic> diagnostics) {
    this.version = version;
    this.meshConfig = meshConfig;
    this.resources = List.copyOf(resources);
    this.registry = registry;
    this.diagnostics = List.copyOf(diagnostics);
    this.virtualServices = ofType(resources, VirtualService.class);
    this.destinationRules = ofType(resources, DestinationRule.class);
    this.sidecars = ofType(resources, Sidecar.class);
  }

  public static MeshSnapshot empty() {
    return new MeshSnapshot(0, MeshConfig.defaults(), List.of(), ServiceRegistry.empty(),
        List.of());
  }

  private static <T> List<T> ofType(List<ConfigResource> resources, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (ConfigResource r : resources) {
      if (type.isInstance(r)) {
        out.add(type.cast(r));
      }
    }
    return List.copyOf(out);
  }

  /** Increases by one with every change of accepted configuration. */
  public long version() {
    return version;
  }

  public MeshConfig meshConfig() {
    return meshConfig;
  }

  /** Accepted resources in {@link dev.jmesh.controlplane.config.ResourceId} order. */
  public List<ConfigResource> resources() {
    return resources;
  }

  public ServiceRegistry registry() {
    return registry;
  }

  /** Problems of the last reload, errors first. */
  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }

  public List<VirtualService> virtualServices() {
    return virtualServices;
  }

  public List<DestinationRule> destinationRules() {
    return destinationRules;
  }

  public List<Sidecar> sidecars() {
    return sidecars;
  }
}
