package dev.jmesh.bootstrap;

/**
 * The request side of the JDK HTTP server's direct inbound path, implemented in the agent's class
 * loader: {@code com.sun.net.httpserver} belongs to the platform class loader, which the bootstrap
 * class path cannot see, so its objects cross as {@code Object}s (see {@link JdkHttpServerHooks}).
 */
public interface JdkHttpServerBridge {

  /**
   * The {@code com.sun.net.httpserver.Filter} that runs the mesh's request policy; put first in the
   * filter chains of every exchange once the server serves a direct-inbound connection.
   */
  Object filter();

  /**
   * The connection closed while {@code exchange} (given to {@link MeshServerChannel#begin}) ran.
   */
  void abandoned(Object exchange);
}
