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

  /** {@code host:port} as the request addressed it, for a request without a {@code Host}. */
  private final String addressed;

  private String authority;
  private String path;

  /**
   * @param addressed {@code host:port} of the request's host and port, as {@link #hostPort} makes
   *     it
   */
  MeshRequestView(MeshRequest request, String addressed) {
    this.request = request;
    this.addressed = addressed;
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
      a = host != null ? host : addressed;
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
