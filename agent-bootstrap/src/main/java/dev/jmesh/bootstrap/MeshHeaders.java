package dev.jmesh.bootstrap;

/**
 * Where a {@link MeshCall} writes header changes: the route's additions and removals, Istio's peer
 * metadata and the trace context. Implemented by an instrumentation over the library's request or
 * response builder.
 */
public interface MeshHeaders {

  /** Whether the header is present (any case). */
  boolean contains(String name);

  /** Replaces every value of the header with {@code value}. */
  void set(String name, String value);

  /** Adds a value, keeping the ones present. */
  void add(String name, String value);

  /** Removes every value of the header. */
  void remove(String name);
}
