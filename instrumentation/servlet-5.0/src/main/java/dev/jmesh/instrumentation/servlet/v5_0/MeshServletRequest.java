package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.bootstrap.MeshHeaders;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request as the application sees it once the mesh let it in: the container's request with the
 * headers the mesh owns changed (XFCC from mutual TLS, XFF, XFP, {@code x-request-id}, the
 * peer-metadata exchange removed), as the engine would have forwarded it. A copy of the headers, so
 * the container's own request stays as it arrived.
 */
public final class MeshServletRequest extends HttpServletRequestWrapper implements MeshHeaders {

  /** Lower-case name to values, in arrival order. */
  private final Map<String, List<String>> headers = new LinkedHashMap<>();

  public MeshServletRequest(HttpServletRequest request) {
    super(request);
    Enumeration<String> names = request.getHeaderNames();
    while (names != null && names.hasMoreElements()) {
      String name = names.nextElement();
      List<String> values = new ArrayList<>(2);
      Enumeration<String> v = request.getHeaders(name);
      while (v != null && v.hasMoreElements()) {
        values.add(v.nextElement());
      }
      headers
          .computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(2))
          .addAll(values);
    }
  }

  @Override
  public String getHeader(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  @Override
  public Enumeration<String> getHeaders(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return Collections.enumeration(values == null ? List.of() : values);
  }

  @Override
  public Enumeration<String> getHeaderNames() {
    return Collections.enumeration(headers.keySet());
  }

  @Override
  public int getIntHeader(String name) {
    String value = getHeader(name);
    return value == null ? -1 : Integer.parseInt(value);
  }

  @Override
  public boolean contains(String name) {
    return headers.containsKey(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public void set(String name, String value) {
    List<String> values = new ArrayList<>(1);
    values.add(value);
    headers.put(name.toLowerCase(Locale.ROOT), values);
  }

  @Override
  public void add(String name, String value) {
    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(value);
  }

  @Override
  public void remove(String name) {
    headers.remove(name.toLowerCase(Locale.ROOT));
  }
}
