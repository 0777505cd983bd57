package dev.jmesh.dataplane;

import dev.jmesh.bootstrap.MeshBridge;
import dev.jmesh.dataplane.settings.Cidr;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.stats.ConnectionStats;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The data path of one workload, as the hooks see it. For now it observes: it counts every
 * connection, bind and accept the hooks report, honouring the capture exclusions ({@code
 * excludeOutboundPorts}, {@code excludeOutboundIPRanges}, {@code excludeInboundPorts}). Routing,
 * mTLS and policy grow here in later issues; the hooks already let it re-target a connection by
 * returning another address from {@link #beforeConnect}.
 */
public final class DataPath implements MeshBridge {

  private final MeshSettings settings;
  private final ConnectionStats stats = new ConnectionStats();
  private final Set<String> failHooks;
  private volatile java.util.function.IntConsumer serverBound = port -> {};

  /** Every port bound so far, replayed to a listener that comes later. */
  private final Set<Integer> boundPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public DataPath(MeshSettings settings) {
    this.settings = settings;
    this.failHooks = settings.failHooks();
  }

  public ConnectionStats stats() {
    return stats;
  }

  public MeshSettings settings() {
    return settings;
  }

  /**
   * Tells {@code listener} each port the application's servers bind (excluded inbound ports aside),
   * so that the workload can register as an endpoint once it serves.
   */
  public void onServerBound(java.util.function.IntConsumer listener) {
    this.serverBound = listener;
    // Servers the application bound before the listener came (a bound port reported twice is
    // harmless: the listener keeps a set).
    for (int port : boundPorts) {
      listener.accept(port);
    }
  }

  @Override
  public SocketAddress beforeConnect(SocketAddress target) {
    injectFailure("connect");
    if (target instanceof InetSocketAddress address && isCapturedOutbound(address)) {
      stats.outbound(destination(address));
    }
    return target;
  }

  @Override
  public void afterBind(ServerSocket server) {
    injectFailure("bind");
    stats.bind(server.getLocalPort());
    bound(server.getLocalPort());
  }

  @Override
  public void afterBind(ServerSocketChannel server) throws java.io.IOException {
    injectFailure("bind");
    if (server.getLocalAddress() instanceof InetSocketAddress local) {
      stats.bind(local.getPort());
      bound(local.getPort());
    }
  }

  @Override
  public void afterAccept(Socket accepted) {
    injectFailure("accept");
    inbound(accepted.getLocalPort());
  }

  @Override
  public void afterAccept(SocketChannel accepted) throws java.io.IOException {
    injectFailure("accept");
    if (accepted.getLocalAddress() instanceof InetSocketAddress local) {
      inbound(local.getPort());
    }
  }

  @Override
  public void beforeHttpRequest(String library, String method, String authority, String path) {
    injectFailure("http-request");
    stats.httpClientRequest(library, authority);
  }

  private void bound(int port) {
    if (!settings.excludeInboundPorts().contains(port)) {
      boundPorts.add(port);
      serverBound.accept(port);
    }
  }

  private void inbound(int port) {
    if (!settings.excludeInboundPorts().contains(port)) {
      stats.inbound(port);
    }
  }

  boolean isCapturedOutbound(InetSocketAddress address) {
    if (settings.excludeOutboundPorts().contains(address.getPort())) {
      return false;
    }
    if (!address.isUnresolved()) {
      for (Cidr range : settings.excludeOutboundIPRanges()) {
        if (range.contains(address.getAddress())) {
          return false;
        }
      }
    }
    return true;
  }

  private static String destination(InetSocketAddress address) {
    String host =
        address.isUnresolved() ? address.getHostString() : address.getAddress().getHostAddress();
    return host.indexOf(':') >= 0
        ? "[" + host + "]:" + address.getPort()
        : host + ":" + address.getPort();
  }

  private void injectFailure(String hook) {
    if (!failHooks.isEmpty() && failHooks.contains(hook)) {
      throw new IllegalStateException(
          "failure injected by -Djmesh.internal.failHooks in the " + hook + " hook");
    }
  }
}
