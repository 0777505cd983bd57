package dev.jmesh.dataplane.direct;

import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.route.RequestView;

/**
 * Routing's view of an instrumentation's request, reading it in place. The authority and the path
 * are read once: routing asks for the path several times (the route filter, each match, the
 * record), and a library may build it anew on every call (OkHttp does).
 */
final class MeshRequestView implements RequestView {

  private final MeshRequest request;
  private String authority;
  private String path;

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
    String p = path;
    if (p == null) {
      p = request.path();
      path = p;
    }
    return p;
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
