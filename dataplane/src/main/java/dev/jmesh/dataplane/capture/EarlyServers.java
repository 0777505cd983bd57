package dev.jmesh.dataplane.capture;

import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ports the application's servers bound while the agent was still starting the engine and the hook
 * gave up waiting for it: those servers serve the port themselves, outside the engine, for good
 * (the engine cannot take over a bound port). Their connections may go on only where the port's
 * config would let a plaintext client in without any policy; where it asks for mutual TLS (STRICT)
 * or for authorization, JWT or rate limits, or while the config is not known yet, they are refused:
 * STRICT and DENY fail closed.
 */
public final class EarlyServers {

  private final Set<Integer> ports = ConcurrentHashMap.newKeySet();

  /** A server bound {@code port} before the engine was attached. */
  public void bound(int port) {
    if (ports.add(port)) {
      MeshLog.error(
          "port "
              + port
              + " was bound before the engine started, so it is served outside the engine:"
              + " its connections are refused while its config asks for mutual TLS or policy"
              + " (or is not known yet). Raise firstConfigTimeout (MESH_FIRST_CONFIG_TIMEOUT),"
              + " which bounds how long a bind waits for the engine, and restart the application,"
              + " or exclude the port with excludeInboundPorts");
    }
  }

  /** Whether {@code port} was bound before the engine; cheap when none was. */
  public boolean contains(int port) {
    return !ports.isEmpty() && ports.contains(port);
  }

  /**
   * Whether a server outside the engine may serve a connection on a port with this listener ({@code
   * null}: the port has no inbound listener, which the engine serves in plaintext too).
   */
  public static boolean servesUnmeshed(InboundListener listener) {
    if (listener == null || listener.chains().isEmpty()) {
      return true;
    }
    InboundListener.Chain plaintext =
        listener.tlsInspector() ? listener.chain(false) : listener.chains().get(0);
    return plaintext != null
        && plaintext.tls() == null
        && (plaintext.httpPolicy() == null || plaintext.httpPolicy() == HttpPolicy.ALLOW_ALL)
        && (plaintext.connectionPolicy() == null
            || plaintext.connectionPolicy() == ConnectionPolicy.ALLOW_ALL);
  }

  /** Logged once per port: a connection to an early server was refused. */
  public static void refused(int port) {
    MeshLog.warnOnce(
        "early-server-" + port,
        "refused a connection to port "
            + port
            + ": its server was bound before the engine started, and the port's config asks for"
            + " mutual TLS or policy (or is not known yet), which only the engine enforces");
  }
}
