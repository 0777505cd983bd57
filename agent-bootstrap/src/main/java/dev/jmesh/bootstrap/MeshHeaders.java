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

  /**
   * {@link #set}, for a value the mesh made itself (Istio's peer metadata and its id, a request
   * id): printable ASCII, valid as it stands, so a view may write it without the library's check of
   * every character. For the long peer-metadata value that check was a direct request's largest
   * header cost in OkHttp.
   */
  default void setMeshValue(String name, String value) {
    set(name, value);
  }

  /** Adds a value, keeping the ones present. */
  void add(String name, String value);

  /** Removes every value of the header. */
  void remove(String name);
}
