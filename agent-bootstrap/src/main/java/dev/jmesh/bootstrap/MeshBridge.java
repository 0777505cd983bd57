package dev.jmesh.bootstrap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;

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

  /**
   * A server is about to bind {@code requested}: the address to bind instead (the engine takes
   * {@code requested} and the application's server moves to a hidden loopback port), or {@code
   * requested} itself to leave the bind alone. {@code server} is a {@link ServerSocket} or a
   * {@link ServerSocketChannel}.
   */
  default SocketAddress beforeBind(Object server, SocketAddress requested) throws Exception {
    return requested;
  }

  /** The local address {@code server} reports: what the application asked for if taken over. */
  default SocketAddress reportedAddress(Object server, SocketAddress actual) {
    return actual;
  }

  /** The local port {@code server} reports. */
  default int reportedPort(Object server, int actual) {
    return actual;
  }

  /** The local address (without port) {@code server} reports. */
  default InetAddress reportedInetAddress(Object server, InetAddress actual) {
    return actual;
  }

  /** {@code server} was closed: the engine gives its port back. */
  default void afterClose(Object server) throws Exception {}

  /**
   * Resolves a name the mesh knows ({@code reviews}, {@code reviews.default}, …) before DNS does;
   * {@code null} to let the JDK resolve it as usual.
   */
  default InetAddress[] resolve(String host) throws Exception {
    return null;
  }

  /**
   * Decides an outbound HTTP request on a direct path: {@code null} to let the library send it
   * untouched — not a mesh destination (passthrough), or one whose route needs what the library
   * cannot do ({@code capabilities}, {@link MeshCall#CAN_TLS} …), which the engine then handles
   * when the library's connection reaches it.
   */
  default MeshCall outbound(String library, int capabilities, MeshRequest request)
      throws Exception {
    return null;
  }

  /**
   * The TLS for a direct connection to {@code endpoint} (a socket factory sees only the address),
   * as the last direct decision for it chose; {@code null} for plaintext.
   */
  default SSLContext tlsFor(InetSocketAddress endpoint) throws Exception {
    return null;
  }

  /** Runs {@code task} after {@code nanos} on the mesh's timer; {@code null} if it cannot. */
  default Future<?> schedule(Runnable task, long nanos) throws Exception {
    return null;
  }

  /**
   * A connection accepted on a port a direct-inbound library serves itself: how to serve it, or
   * {@code null} when the mesh leaves it alone (not a mesh port, or the engine serves the port).
   */
  default MeshInbound inbound(String library, InetSocketAddress local, InetSocketAddress remote)
      throws Exception {
    return null;
  }

  /**
   * A servlet container serves a request that reached it on {@code local} from {@code remote}: the
   * relayed connection's rules, or {@code null} when the engine already checked the request or the
   * port is not the mesh's; see {@link MeshHooks#containerInbound}.
   */
  default MeshInbound containerInbound(
      String library, int localPort, String remoteAddress, int remotePort) throws Exception {
    return null;
  }

  /**
   * The JDK's HTTP server is about to run a filter or handler for {@code exchange} (a {@code
   * com.sun.net.httpserver.HttpExchange}): the bridge records its trace headers for the thread
   * with {@link MeshHooks#enterInbound}.
   */
  default void serverExchange(Object exchange) throws Exception {}
}
