package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHooks;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hc.core5.http.HttpHost;

/**
 * The re-targeted hosts of direct attempts, so that only their connects are let through the socket
 * hooks (a redirect Apache follows to another host inside an attempt is not the mesh's decision and
 * still meets them). Classic connects happen on the caller's thread, marked around the connection
 * operator's {@code connect}; asynchronous ones later, on an I/O reactor thread, to an address
 * Apache mints itself, which the reactor's {@code connect} swaps for a {@link MeshEndpointAddress}
 * of the endpoint the host carries (which also overrides a name lookup: the HTTP/2 pool resolves
 * the host's name).
 */
public final class DirectEndpoints {

  /** A host per service name and endpoint: bounded by the mesh's size; reset if it outgrows it. */
  private static final int MAX = 16_384;

  private static final Set<HttpHost> HOSTS = ConcurrentHashMap.newKeySet();

  /**
   * Endpoints that direct attempts reach with cleartext {@code http}: the mesh's TLS goes under.
   */
  private static final Set<InetSocketAddress> CLEARTEXT = ConcurrentHashMap.newKeySet();

  private DirectEndpoints() {}

  static void mark(HttpHost host) {
    if (HOSTS.size() >= MAX) {
      HOSTS.clear();
      CLEARTEXT.clear();
    }
    HOSTS.add(host);
    if ("http".equalsIgnoreCase(host.getSchemeName())) {
      CLEARTEXT.add(new InetSocketAddress(host.getAddress(), host.getPort()));
    }
  }

  /** Whether a direct attempt reaches {@code remote} with cleartext {@code http}. */
  static boolean cleartext(InetSocketAddress remote) {
    return CLEARTEXT.contains(remote);
  }

  /** Whether {@code host} is a direct attempt's re-targeted host. */
  public static boolean isDirect(Object host) {
    return host instanceof HttpHost
        && ((HttpHost) host).getAddress() != null
        && HOSTS.contains(host);
  }

  /** Classic connection operator {@code connect} entry: marks the connect of a direct attempt. */
  public static boolean enterConnect(Object host) {
    if (!isDirect(host)) {
      return false;
    }
    MeshHooks.enterDirectConnect();
    return true;
  }

  /** Classic connection operator {@code connect} exit. */
  public static void exitConnect(boolean entered) {
    if (entered) {
      MeshHooks.exitDirectConnect();
    }
  }

  /** Reactor {@code connect} entry: the address to connect for {@code endpoint}. */
  public static SocketAddress remoteAddress(Object endpoint, SocketAddress remote) {
    if (remote instanceof MeshEndpointAddress) {
      return remote;
    }
    if (!isDirect(endpoint)) {
      return remote;
    }
    HttpHost host = (HttpHost) endpoint;
    int port = host.getPort();
    if (port < 0 && remote instanceof InetSocketAddress) {
      port = ((InetSocketAddress) remote).getPort();
    }
    return port < 0 ? remote : new MeshEndpointAddress(host.getAddress(), port);
  }
}
