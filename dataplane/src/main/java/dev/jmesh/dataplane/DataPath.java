package dev.jmesh.dataplane;

import dev.jmesh.bootstrap.MeshBridge;
import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.capture.EarlyServers;
import dev.jmesh.dataplane.capture.ManagementPorts;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.direct.DirectCalls;
import dev.jmesh.dataplane.engine.inbound.DirectInbound;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.stats.ConnectionStats;
import dev.jmesh.dataplane.stats.RequestPaths;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * The data path of one workload, as the hooks see it. For now it observes: it counts every
 * connection, bind and accept the hooks report, honouring the capture exclusions ({@code
 * excludeOutboundPorts}, {@code excludeOutboundIPRanges}, {@code excludeInboundPorts}). Routing,
 * mTLS and policy grow here in later issues; the hooks already let it re-target a connection by
 * returning another address from {@link #beforeConnect}.
 */
public final class DataPath implements MeshBridge {

  private final MeshSettings settings;
  private final Duration engineDecisionTimeout;
  private final ConnectionStats stats = new ConnectionStats();
  private final Set<String> failHooks;
  private volatile java.util.function.IntConsumer serverBound = port -> {};

  /** Set once the engine runs; until then (and without a control plane) nothing is captured. */
  private volatile MeshCapture capture;

  /** The direct paths' decisions; set with the capture. */
  private volatile DirectCalls direct;

  /** The engine's inbound rules for servers that serve their mesh ports themselves. */
  private volatile DirectInbound directInbound;

  /** Counted down when the agent attaches the engine or gives up on it. */
  private final CountDownLatch engineDecided = new CountDownLatch(1);

  /** Set when the agent gave up on the engine: servers bound meanwhile are simply unmeshed. */
  private volatile boolean withoutEngine;

  /** Servers bound while the engine was still starting, after the hooks stopped waiting. */
  private final EarlyServers earlyServers = new EarlyServers();

  /** Every port bound so far, replayed to a listener that comes later. */
  private final Set<Integer> boundPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A hook that comes before the agent has started (or given up on) the engine waits for that
   * decision as long as the first mesh connection waits for its first config ({@code
   * firstConfigTimeout}): to the user both are "how long the mesh may hold my application at
   * start", which Istio calls {@code holdApplicationUntilProxyStarts}; a slow machine raises it.
   */
  public DataPath(MeshSettings settings) {
    this.settings = settings;
    this.engineDecisionTimeout = settings.engine().firstConfigTimeout();
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

  /** The engine runs: from now on the hooks capture what {@code meshCapture} decides. */
  public void attach(MeshCapture meshCapture) {
    attach(meshCapture, null);
  }

  /**
   * The engine runs: the hooks capture what {@code meshCapture} decides, and HTTP-client
   * instrumentations route their requests themselves through {@code directCalls} ({@code null}:
   * they leave every request to the engine).
   */
  public void attach(MeshCapture meshCapture, DirectCalls directCalls) {
    attach(meshCapture, directCalls, null);
  }

  /**
   * As {@link #attach(MeshCapture, DirectCalls)}, and servers that serve their mesh ports
   * themselves ({@code inboundPath: direct}) apply {@code inbound}'s rules to their connections.
   */
  public void attach(MeshCapture meshCapture, DirectCalls directCalls, DirectInbound inbound) {
    this.directInbound = inbound;
    this.direct = directCalls;
    this.capture = meshCapture;
    engineDecided.countDown();
  }

  /** The engine will not run (no control plane, or it failed to start): nothing is captured. */
  public void runWithoutEngine() {
    withoutEngine = true;
    engineDecided.countDown();
  }

  /**
   * The capture in force. A hook that comes before the agent has decided on the engine (the
   * application binding while the agent still starts) waits for that decision, bounded.
   */
  private MeshCapture capture() {
    MeshCapture c = capture;
    if (c != null || settings.controlPlane() == null || engineDecided.getCount() == 0) {
      return c;
    }
    try {
      if (!engineDecided.await(engineDecisionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        // The agent's start-up never decided: wait once, not on every later hook.
        engineDecided.countDown();
        MeshLog.error(
            "the engine did not start within "
                + engineDecisionTimeout.toMillis()
                + " ms; connections go on unmeshed until it does, and servers bound meanwhile"
                + " refuse connections where the config asks for mutual TLS or policy");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return capture;
  }

  @Override
  public SocketAddress beforeConnect(SocketAddress target) throws java.io.IOException {
    injectFailure("connect");
    if (target instanceof InetSocketAddress address && isCapturedOutbound(address)) {
      stats.outbound(destination(address));
      MeshCapture c = capture();
      if (c != null) {
        return c.beforeConnect(address);
      }
    }
    return target;
  }

  @Override
  public SocketAddress beforeBind(Object server, SocketAddress requested) {
    MeshCapture c = capture();
    return c == null ? requested : c.beforeBind(server, requested);
  }

  @Override
  public void afterBind(ServerSocket server) {
    injectFailure("bind");
    if (MeshCapture.probing()) {
      return;
    }
    MeshCapture c = capture;
    if (c != null) {
      c.afterBind(server, new InetSocketAddress(server.getInetAddress(), server.getLocalPort()));
    } else {
      boundBeforeEngine(server.getLocalPort());
    }
    // Reported after the takeover: the port the application asked for, not the hidden one.
    stats.bind(server.getLocalPort());
    bound(server.getLocalPort());
  }

  @Override
  public void afterBind(ServerSocketChannel server) throws java.io.IOException {
    injectFailure("bind");
    if (MeshCapture.probing()) {
      return;
    }
    MeshCapture c = capture;
    if (c != null) {
      c.afterBind(server, server.getLocalAddress());
    } else if (server.getLocalAddress() instanceof InetSocketAddress local) {
      boundBeforeEngine(local.getPort());
    }
    if (server.getLocalAddress() instanceof InetSocketAddress local) {
      stats.bind(local.getPort());
      bound(local.getPort());
    }
  }

  @Override
  public void afterClose(Object server) {
    MeshCapture c = capture;
    if (c != null) {
      c.afterClose(server);
    }
  }

  @Override
  public SocketAddress reportedAddress(Object server, SocketAddress actual) {
    MeshCapture c = capture;
    return c == null ? actual : c.reportedAddress(server, actual);
  }

  @Override
  public int reportedPort(Object server, int actual) {
    MeshCapture c = capture;
    return c == null ? actual : c.reportedPort(server, actual);
  }

  @Override
  public InetAddress reportedInetAddress(Object server, InetAddress actual) {
    MeshCapture c = capture;
    return c == null ? actual : c.reportedInetAddress(server, actual);
  }

  @Override
  public InetAddress[] resolve(String host) {
    MeshCapture c = capture();
    return c == null ? null : c.resolve(host);
  }

  @Override
  public void afterAccept(Socket accepted) throws java.io.IOException {
    injectFailure("accept");
    MeshCapture c = capture;
    if (refusesEarly(c, accepted.getLocalPort())
        || c != null
            && accepted.getRemoteSocketAddress() instanceof InetSocketAddress remote
            && !c.admits(accepted.getLocalPort(), remote)) {
      // Reset rather than close: the peer learns at once, and no TIME_WAIT is left behind.
      accepted.setSoLinger(true, 0);
      accepted.close();
      return;
    }
    inbound(accepted.getLocalPort());
  }

  @Override
  public void afterAccept(SocketChannel accepted) throws java.io.IOException {
    injectFailure("accept");
    if (!(accepted.getLocalAddress() instanceof InetSocketAddress local)) {
      return;
    }
    MeshCapture c = capture;
    if (refusesEarly(c, local.getPort())
        || c != null
            && accepted.getRemoteAddress() instanceof InetSocketAddress remote
            && !c.admits(local.getPort(), remote)) {
      accepted.setOption(StandardSocketOptions.SO_LINGER, 0);
      accepted.close();
      return;
    }
    inbound(local.getPort());
  }

  @Override
  public MeshCall outbound(String library, int capabilities, MeshRequest request) {
    injectFailure("http-request");
    if (capture() == null) {
      // No mesh (no control plane, or the engine did not start): nothing is a mesh destination.
      stats.requestPaths().count(library, RequestPaths.Path.PASSTHROUGH);
      return null;
    }
    DirectCalls d = direct;
    if (d == null) {
      stats.requestPaths().count(library, RequestPaths.Path.ENGINE);
      return null;
    }
    return d.outbound(library, capabilities, request);
  }

  @Override
  public MeshInbound inbound(String library, InetSocketAddress local, InetSocketAddress remote) {
    injectFailure("inbound");
    DirectInbound d = directInbound;
    if (d == null
        || capture() == null
        || !settings.engine().directInbound()
        || settings.excludeInboundPorts().contains(local.getPort())
        || ManagementPorts.isManagementBind(local.getPort())) {
      // Not served through the mesh: a server bound before the engine still may not let a
      // connection past a port whose config asks for mutual TLS or policy.
      return refusesEarly(capture, local.getPort()) ? MeshHooks.REFUSING : null;
    }
    return d.accept(library, local, remote);
  }

  @Override
  public MeshInbound containerInbound(
      String library, int localPort, String remoteAddress, int remotePort) {
    DirectInbound d = directInbound;
    if (d == null || capture == null || !settings.engine().directInbound()) {
      return null;
    }
    injectFailure("container-inbound");
    return d.container(library, localPort, remoteAddress, remotePort);
  }

  @Override
  public SSLContext tlsFor(InetSocketAddress endpoint) throws java.net.ConnectException {
    DirectCalls d = direct;
    return d == null ? null : d.tlsFor(endpoint);
  }

  @Override
  public Future<?> schedule(Runnable task, long nanos) {
    DirectCalls d = direct;
    return d == null ? null : d.schedule(task, nanos);
  }

  /**
   * The JDK's HTTP server runs a filter or handler for {@code exchange}: its trace headers become
   * the thread's inbound context, which direct requests made on the thread continue.
   */
  @Override
  public void serverExchange(Object exchange) {
    if (exchange instanceof com.sun.net.httpserver.HttpExchange e) {
      com.sun.net.httpserver.Headers h = e.getRequestHeaders();
      MeshHooks.enterInbound(
          h.getFirst("traceparent"),
          h.getFirst("tracestate"),
          h.getFirst("b3"),
          h.getFirst("x-b3-traceid"),
          h.getFirst("x-b3-spanid"),
          h.getFirst("x-b3-sampled"),
          h.getFirst("x-request-id"));
    }
  }

  /**
   * A server bound {@code port} with no engine attached: if the agent has not given up on the
   * engine, that server now serves the port outside it for good.
   */
  private void boundBeforeEngine(int port) {
    if (settings.controlPlane() != null
        && !withoutEngine
        && !settings.excludeInboundPorts().contains(port)
        && !ManagementPorts.isManagementBind(port)) {
      earlyServers.bound(port);
    }
  }

  /**
   * Whether a connection to {@code port}, whose server was bound before the engine, is refused:
   * while the engine is still starting (the port's config is unknown), and once it runs when the
   * config asks for mutual TLS or policy there. Only when the agent gave up on the engine is it
   * served, like every other connection.
   */
  private boolean refusesEarly(MeshCapture c, int port) {
    if (!earlyServers.contains(port)) {
      return false;
    }
    boolean refused = c != null ? !c.servesUnmeshed(port) : !withoutEngine;
    if (refused) {
      EarlyServers.refused(port);
    }
    return refused;
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
    return !settings.excludesOutboundPort(address.getPort())
        && (address.isUnresolved() || !settings.excludesOutboundAddress(address.getAddress()));
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
