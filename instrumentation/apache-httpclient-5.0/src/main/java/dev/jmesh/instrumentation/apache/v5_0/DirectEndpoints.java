package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hc.core5.http.HttpHost;

/**
 * The re-targeted hosts of asynchronous attempts. Their connects happen later, on an I/O reactor
 * thread, to an address Apache mints itself; the reactor's {@code connect} swaps that address for
 * a {@link MeshEndpointAddress} of the endpoint the host carries, which the socket hooks let
 * through and which also overrides a name lookup (the HTTP/2 pool resolves the host's name).
 */
public final class DirectEndpoints {

  /** A host per service name and endpoint: bounded by the mesh's size; reset if it outgrows it. */
  private static final int MAX = 16_384;

  private static final Set<HttpHost> HOSTS = ConcurrentHashMap.newKeySet();

  /** Endpoints that direct attempts reach with cleartext {@code http}: the mesh's TLS goes under. */
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

  /** Reactor {@code connect} entry: the address to connect for {@code endpoint}. */
  public static SocketAddress remoteAddress(Object endpoint, SocketAddress remote) {
    if (!(endpoint instanceof HttpHost) || remote instanceof MeshEndpointAddress) {
      return remote;
    }
    HttpHost host = (HttpHost) endpoint;
    if (host.getAddress() == null || !HOSTS.contains(host)) {
      return remote;
    }
    int port = host.getPort();
    if (port < 0 && remote instanceof InetSocketAddress) {
      port = ((InetSocketAddress) remote).getPort();
    }
    return port < 0 ? remote : new MeshEndpointAddress(host.getAddress(), port);
  }
}
