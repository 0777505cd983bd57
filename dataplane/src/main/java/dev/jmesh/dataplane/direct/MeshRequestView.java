package dev.jmesh.dataplane.direct;

import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.route.RequestView;

/** Routing's view of an instrumentation's request, reading it in place. */
final class MeshRequestView implements RequestView {

  private final MeshRequest request;
  private String authority;

  MeshRequestView(MeshRequest request) {
    this.request = request;
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public String authority() {
    String a = authority;
    if (a == null) {
      String host = request.header("host");
      a = host != null ? host : hostPort(request.host(), request.port());
      authority = a;
    }
    return a;
  }

  @Override
  public String path() {
    return request.path();
  }

  @Override
  public String header(String lowerCaseName) {
    return request.header(lowerCaseName);
  }

  static String hostPort(String host, int port) {
    boolean v6 = host.indexOf(':') >= 0 && !host.startsWith("[");
    return (v6 ? "[" + host + "]" : host) + ":" + port;
  }
}
