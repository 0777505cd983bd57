package dev.jmesh.bootstrap;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * What the data path offers to rewritten classes. Implemented by the data path in the agent's
 * own class loader; seen by the application and the JDK only through {@link MeshHooks}.
 *
 * <p>Every method may throw: {@link MeshHooks} catches, counts and logs once per cause, and the
 * application's call continues with its original behaviour.
 */
public interface MeshBridge {

  /** Returns the address to actually connect to; {@code target} itself to leave it alone. */
  SocketAddress beforeConnect(SocketAddress target) throws Exception;

  void afterBind(ServerSocket server) throws Exception;

  void afterBind(ServerSocketChannel server) throws Exception;

  void afterAccept(Socket accepted) throws Exception;

  void afterAccept(SocketChannel accepted) throws Exception;

  /** An HTTP client library is about to send a request (seen by its injected helper). */
  void beforeHttpRequest(String library, String method, String authority, String path)
      throws Exception;
}
