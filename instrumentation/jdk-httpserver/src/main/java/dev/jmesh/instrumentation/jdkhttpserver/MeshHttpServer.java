package dev.jmesh.instrumentation.jdkhttpserver;

import dev.jmesh.bootstrap.JdkHttpServerBridge;

/**
 * The JDK HTTP server's direct inbound path on the agent's side, where {@code
 * com.sun.net.httpserver} can be named: the mesh's filter, and the end of exchanges whose
 * connection closed under them. Public with a public constructor: {@link
 * dev.jmesh.bootstrap.JdkHttpServerHooks} creates it by name when the agent's advice stage (which
 * would install it) has not run.
 */
public final class MeshHttpServer implements JdkHttpServerBridge {

  private final MeshInboundFilter filter = new MeshInboundFilter();

  @Override
  public Object filter() {
    return filter;
  }

  @Override
  public void abandoned(Object exchange) {
    if (exchange instanceof MeshHttpExchange) {
      ((MeshHttpExchange) exchange).finish();
    }
  }
}
