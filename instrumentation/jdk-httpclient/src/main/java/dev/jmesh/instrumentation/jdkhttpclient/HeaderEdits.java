package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.MeshHeaders;
import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * Headers the route may change, over the JDK's immutable {@link HttpHeaders}, copied only on the
 * first change that changes something: a request copy is rebuilt from them, a response is answered
 * with them, only when something changed.
 */
final class HeaderEdits implements MeshHeaders {

  private final HttpHeaders original;

  /** The edited copy; {@code null} while nothing changed. */
  private TreeMap<String, List<String>> headers;

  /** The values the mesh made itself ({@link #setMeshValue}), known valid. */
  private final List<String> meshValues = new ArrayList<>(4);

  HeaderEdits(HttpHeaders original) {
    this.original = original;
  }

  boolean changed() {
    return headers != null;
  }

  private TreeMap<String, List<String>> edited() {
    if (headers == null) {
      headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (Map.Entry<String, List<String>> e : original.map().entrySet()) {
        headers.put(e.getKey(), new ArrayList<>(e.getValue()));
      }
    }
    return headers;
  }

  @Override
  public boolean contains(String name) {
    // HttpHeaders' map ignores case, as this one does.
    return headers == null ? original.map().containsKey(name) : headers.containsKey(name);
  }

  @Override
  public void set(String name, String value) {
    List<String> values = new ArrayList<>(1);
    values.add(value);
    edited().put(name, values);
  }

  @Override
  public void setMeshValue(String name, String value) {
    set(name, value);
    meshValues.add(value);
  }

  /** Whether {@code value} is one the mesh made itself: that very string, not an equal one. */
  boolean isMeshValue(String value) {
    for (int i = 0; i < meshValues.size(); i++) {
      if (meshValues.get(i) == value) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void add(String name, String value) {
    edited().computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
  }

  @Override
  public void remove(String name) {
    if (contains(name)) {
      edited().remove(name);
    }
  }

  HttpHeaders toHttpHeaders() {
    return toHttpHeaders((name, value) -> true);
  }

  /** The headers with every change, those {@code filter} accepts. */
  HttpHeaders toHttpHeaders(BiPredicate<String, String> filter) {
    return headers == null ? original : HttpHeaders.of(headers, filter);
  }
}
