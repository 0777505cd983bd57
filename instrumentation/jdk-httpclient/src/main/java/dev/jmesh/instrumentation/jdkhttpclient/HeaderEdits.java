package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.MeshHeaders;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Headers the route may change, over a copy of the JDK's immutable {@link HttpHeaders}: a request
 * copy is rebuilt from them, a response is answered with them, only when something changed.
 */
final class HeaderEdits implements MeshHeaders {

  private final TreeMap<String, List<String>> headers =
      new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private boolean changed;

  HeaderEdits(HttpHeaders original) {
    for (Map.Entry<String, List<String>> e : original.map().entrySet()) {
      headers.put(e.getKey(), new ArrayList<>(e.getValue()));
    }
  }

  boolean changed() {
    return changed;
  }

  @Override
  public boolean contains(String name) {
    return headers.containsKey(name);
  }

  @Override
  public void set(String name, String value) {
    List<String> values = new ArrayList<>(1);
    values.add(value);
    headers.put(name, values);
    changed = true;
  }

  @Override
  public void add(String name, String value) {
    headers.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
    changed = true;
  }

  @Override
  public void remove(String name) {
    changed |= headers.remove(name) != null;
  }

  HttpHeaders toHttpHeaders() {
    return HttpHeaders.of(headers, (name, value) -> true);
  }

  /**
   * Sets every header on {@code builder}. A header the client reserves for itself ({@code Host},
   * {@code Connection}, {@code Content-Length}…) cannot be set; the client writes its own.
   */
  void applyTo(HttpRequest.Builder builder) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      for (String value : e.getValue()) {
        try {
          builder.header(e.getKey(), value);
        } catch (IllegalArgumentException restricted) {
          // the client's own header; skip it
        }
      }
    }
  }
}
