package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.bootstrap.MeshHooks;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.http.HttpHost;

/**
 * The re-targeted hosts of direct attempts, so that only their connects are let through the socket
 * hooks: the connection operator's {@code connect} is marked for them alone, and a redirect Apache
 * follows to another host inside an attempt (not the mesh's decision) still meets the hooks.
 */
public final class DirectHosts {

  /** A host per service name and endpoint: bounded by the mesh's size; reset if it outgrows it. */
  private static final int MAX = 16_384;

  private static final Set<HttpHost> HOSTS = ConcurrentHashMap.newKeySet();

  private DirectHosts() {}

  static void mark(HttpHost host) {
    if (HOSTS.size() >= MAX) {
      HOSTS.clear();
    }
    HOSTS.add(host);
  }

  /** Connection operator {@code connect} entry: marks the connect of a direct attempt. */
  public static boolean enterConnect(HttpHost host) {
    if (host == null || host.getAddress() == null || !HOSTS.contains(host)) {
      return false;
    }
    MeshHooks.enterDirectConnect();
    return true;
  }

  /** Connection operator {@code connect} exit. */
  public static void exitConnect(boolean entered) {
    if (entered) {
      MeshHooks.exitDirectConnect();
    }
  }
}
