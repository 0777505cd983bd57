package dev.jmesh.dataplane.engine.inbound;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's relayed connections to servlet containers, by the local address of the engine's
 * loopback connection to the application (what the container reports as the request's remote
 * address). An entry lives exactly as long as that loopback connection: it is added before the
 * connect (the container may read a request before the engine hears the connect complete) and
 * removed when the connection closes. Lock-free.
 */
final class RelayedConnections {

  private final Map<InetSocketAddress, RelayedConnection> byLoopback = new ConcurrentHashMap<>();

  void carry(InetSocketAddress loopback, RelayedConnection connection) {
    byLoopback.put(loopback, connection);
  }

  /** Removes the entry only if it is still {@code connection}'s (ports are reused). */
  void release(InetSocketAddress loopback, RelayedConnection connection) {
    byLoopback.remove(loopback, connection);
  }

  /** The relayed connection whose loopback side is {@code loopback}, or {@code null}. */
  RelayedConnection find(InetSocketAddress loopback) {
    return loopback == null ? null : byLoopback.get(loopback);
  }

  int size() {
    return byLoopback.size();
  }
}
