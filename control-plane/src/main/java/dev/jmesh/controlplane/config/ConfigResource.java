package dev.jmesh.controlplane.config;

/** A typed, immutable configuration resource read from some {@link ConfigSource}. */
public interface ConfigResource {
  ResourceMeta meta();

  default ResourceId id() {
    return meta().id();
  }

  default String name() {
    return meta().name();
  }

  default String namespace() {
    return meta().namespace();
  }
}
