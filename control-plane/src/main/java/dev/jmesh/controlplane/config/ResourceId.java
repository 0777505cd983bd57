package dev.jmesh.controlplane.config;

/** Identity of a resource across reloads: the last good version is kept per id. */
public record ResourceId(String kind, String namespace, String name)
    implements Comparable<ResourceId> {
  @Override
  public int compareTo(ResourceId o) {
    int c = kind.compareTo(o.kind);
    if (c == 0) {
      c = namespace.compareTo(o.namespace);
    }
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
