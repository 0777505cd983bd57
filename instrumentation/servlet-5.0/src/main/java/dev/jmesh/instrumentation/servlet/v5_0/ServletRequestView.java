package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.bootstrap.MeshRequest;
import jakarta.servlet.http.HttpServletRequest;

/** What the mesh's inbound policy reads of a servlet request. */
public final class ServletRequestView implements MeshRequest {

  private final HttpServletRequest request;

  public ServletRequestView(HttpServletRequest request) {
    this.request = request;
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public String host() {
    return request.getServerName();
  }

  @Override
  public int port() {
    return request.getServerPort();
  }

  @Override
  public String path() {
    String query = request.getQueryString();
    String uri = request.getRequestURI();
    return query == null ? uri : uri + "?" + query;
  }

  @Override
  public String header(String lowerCaseName) {
    return request.getHeader(lowerCaseName);
  }
}
