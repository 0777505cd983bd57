package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.bootstrap.MeshHeaders;
import jakarta.servlet.http.HttpServletResponse;

/** The mesh's response headers (peer metadata, {@code x-ratelimit-*}) on a servlet response. */
public final class ServletResponseHeaders implements MeshHeaders {

  private final HttpServletResponse response;

  public ServletResponseHeaders(HttpServletResponse response) {
    this.response = response;
  }

  @Override
  public boolean contains(String name) {
    return response.containsHeader(name);
  }

  @Override
  public void set(String name, String value) {
    response.setHeader(name, value);
  }

  @Override
  public void add(String name, String value) {
    response.addHeader(name, value);
  }

  @Override
  public void remove(String name) {
    // A null value removes the header (Servlet 5.0, HttpServletResponse.setHeader).
    response.setHeader(name, null);
  }
}
