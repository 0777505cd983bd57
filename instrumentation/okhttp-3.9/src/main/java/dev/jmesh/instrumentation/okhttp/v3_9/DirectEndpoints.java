package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The endpoints the mesh's interceptor has sent requests to. OkHttp connects to the address it
 * resolved from the re-targeted URL, a plain {@link InetSocketAddress} that has lost the {@link
 * MeshEndpointAddress} mark, so the mesh socket factory asks here whether a connect is a direct
 * path's own. Only those go around the engine and get the mesh's TLS; a connect to any other
 * address (a virtual service address, an endpoint IP the application dialled itself for a request
 * the engine must carry, a proxy) is left to the socket hooks, as without the factory.
 */
final class DirectEndpoints {

  /** Enough for every endpoint a client talks to; past it the set starts again, never grows. */
  private static final int MAX = 4096;

  private static final Set<InetSocketAddress> SENT = ConcurrentHashMap.newKeySet();

  private DirectEndpoints() {}

  static void remember(MeshEndpointAddress endpoint) {
    if (endpoint == null || SENT.contains(endpoint)) {
      return;
    }
    if (SENT.size() >= MAX) {
      SENT.clear();
    }
    SENT.add(new InetSocketAddress(endpoint.getAddress(), endpoint.getPort()));
  }

  static boolean isDirect(SocketAddress address) {
    return address instanceof MeshEndpointAddress
        || (address instanceof InetSocketAddress && SENT.contains(address));
  }
}
