package dev.jmesh.dataplane;

import dev.jmesh.bootstrap.MeshHeaders;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A library's request or response headers, as the tests of the direct paths stand them in: one
 * value per name, and {@code add} joins values as a list header reads.
 */
public final class MapHeaders implements MeshHeaders {

  public final Map<String, String> values;

  public MapHeaders() {
    this(new LinkedHashMap<>());
  }

  /** Headers kept in {@code values}, which the caller may read and change. */
  public MapHeaders(Map<String, String> values) {
    this.values = values;
  }

  @Override
  public boolean contains(String name) {
    return values.containsKey(name);
  }

  @Override
  public void set(String name, String value) {
    values.put(name, value);
  }

  @Override
  public void add(String name, String value) {
    values.merge(name, value, (a, b) -> a + "," + b);
  }

  @Override
  public void remove(String name) {
    values.remove(name);
  }
}
