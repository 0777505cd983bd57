package dev.jmesh.dataplane.capture;

import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Decides, for the socket hooks, which traffic goes through the engine.
 *
 * <ul>
 *   <li><b>Names</b>: a service name in any Kubernetes form ({@code reviews}, {@code
 *       reviews.default}, {@code reviews.default.svc.cluster.local}) resolves to a virtual address
 *       before DNS is asked, as Istio's DNS proxy answers; other names resolve as before, and so
 *       do those of services reached at the application's own lookup ({@code resolution: NONE}).
 *   <li><b>Outbound</b>: a connection to a service's virtual address or to one of its endpoints
 *       goes to the engine's listener for that service port; with REGISTRY_ONLY, a connection to
 *       anything else but 127.0.0.1 (which Istio's capture leaves alone too) goes to the black
 *       hole.
 *   <li><b>Inbound</b>: a server binding a port moves to a hidden loopback port and the engine
 *       takes the port it asked for, unless the port is 0, excluded, or a JMX/RMI port; the server
 *       still reports the address it asked for, and only the engine may connect to the hidden port.
 * </ul>
 *
 * The first decision that needs config waits for it (bounded), so an application starting faster
 * than its xDS stream does not leak its first connections past the mesh.
 */
public final class MeshCapture {

  /** A connection to the hidden port not (yet) known as the engine's is re-checked this often. */
  private static final int ENGINE_CHECKS = 50;

  private static final long ENGINE_CHECK_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Marks the probe bind of this class, which the hooks must let through untouched. */
  private static final ThreadLocal<Boolean> PROBING = new ThreadLocal<>();

  private final MeshSettings settings;
  private final Supplier<MeshSnapshot> snapshots;
  private final ConfigReadiness readiness;
  private final Duration firstConfigTimeout;
  private final InboundTakeover inbound;
  private final OutboundRedirect outbound;
  private final VirtualAddresses virtualAddresses = new VirtualAddresses();
  private final TakenOverServers servers = new TakenOverServers();
  private volatile MeshDestinations destinations;
  private volatile boolean waited;

  public MeshCapture(
      MeshSettings settings,
      Supplier<MeshSnapshot> snapshots,
      ConfigReadiness readiness,
      Duration firstConfigTimeout,
      InboundTakeover inbound,
      OutboundRedirect outbound) {
    this.settings = settings;
    this.snapshots = snapshots;
    this.readiness = readiness;
    this.firstConfigTimeout = firstConfigTimeout;
    this.inbound = inbound;
    this.outbound = outbound;
  }

  /** Whether the calling thread is inside this class's own probe bind. */
  public static boolean probing() {
    return PROBING.get() != null;
  }

  // ---- names ----

  /** The mesh's answer for {@code host}, or {@code null} to let the JDK resolve it. */
  public InetAddress[] resolve(String host) {
    if (host.isEmpty() || isLiteral(host)) {
      return null;
    }
    MeshDestinations d = destinations();
    String fqdn = d.fqdn(host);
    if (fqdn == null || d.resolvedByName(fqdn)) {
      return null;
    }
    return new InetAddress[] {virtualAddresses.addressOf(fqdn)};
  }

  /**
   * Whether {@code host} names a service that is reached where the application's own lookup of the
   * name points ({@code ServiceEntry} {@code resolution: NONE}): the mesh gives it no virtual
   * address, and a direct path looks the name up to find the request's original destination.
   */
  public boolean resolvedByName(String host) {
    if (host.isEmpty() || isLiteral(host)) {
      return false;
    }
    MeshDestinations d = destinations();
    String fqdn = d.fqdn(host);
    return fqdn != null && d.resolvedByName(fqdn);
  }

  // ---- outbound ----

  /** Where a connection to {@code target} really goes: an engine listener, or {@code target}. */
  public SocketAddress beforeConnect(InetSocketAddress target) throws IOException {
    MeshDestinations d = destinations();
    String listener;
    if (target.isUnresolved()) {
      String fqdn = d.fqdn(target.getHostString());
      if (fqdn == null || d.resolvedByName(fqdn)) {
        return target;
      }
      listener = d.listener(fqdn, target.getPort());
    } else {
      InetAddress address = target.getAddress();
      if (VirtualAddresses.isVirtual(address)) {
        // A service's virtual address, on a port the service may not have (then: black hole).
        String host = virtualAddresses.hostOf(address);
        listener = host == null ? null : d.listener(host, target.getPort());
      } else {
        listener = d.listenerOfEndpoint(address.getHostAddress(), target.getPort());
        if (listener != null) {
          // The endpoint's own address: where a request the route passes through goes.
          return outbound.listenerFor(listener, target);
        }
        if (!(d.registryOnly() && blockable(address))) {
          return target;
        }
      }
    }
    return outbound.listenerFor(listener != null ? listener : MeshDestinations.BLACK_HOLE, null);
  }

  /**
   * The outbound listener a request addressed to {@code host:port} belongs to, as a direct path
   * asks before routing it: a service name in any of its forms, a service's virtual address or a
   * mesh endpoint's IP. {@code null} for a destination the mesh does not know (passthrough), or
   * {@link #BLACK_HOLE} when {@code REGISTRY_ONLY} blocks it. The first call may wait for the first
   * config, as a connect does.
   */
  public String outboundListener(String host, int port) {
    MeshDestinations d = destinations();
    if (!isLiteral(host)) {
      String fqdn = d.fqdn(host);
      if (fqdn == null) {
        return null;
      }
      String listener = d.listener(fqdn, port);
      return listener != null ? listener : MeshDestinations.BLACK_HOLE;
    }
    InetAddress address = parsed(host);
    if (address == null) {
      return null;
    }
    if (VirtualAddresses.isVirtual(address)) {
      String name = virtualAddresses.hostOf(address);
      String listener = name == null ? null : d.listener(name, port);
      return listener != null ? listener : MeshDestinations.BLACK_HOLE;
    }
    String listener = d.listenerOfEndpoint(address.getHostAddress(), port);
    if (listener == null && d.registryOnly() && blockable(address)) {
      return MeshDestinations.BLACK_HOLE;
    }
    return listener;
  }

  /**
   * When {@code host} is a mesh endpoint's own IP (a literal whose {@code port} {@link
   * #outboundListener} answers from the endpoints, not a service's virtual address): that address
   * as text, where a request its route passes through ({@code PassthroughCluster}) goes. Otherwise
   * {@code null}.
   */
  public String endpointAddress(String host, int port) {
    InetAddress address = isLiteral(host) ? parsed(host) : null;
    if (address == null || VirtualAddresses.isVirtual(address)) {
      return null;
    }
    String text = address.getHostAddress();
    return destinations().listenerOfEndpoint(text, port) == null ? null : text;
  }

  /**
   * Whether the workload's settings exclude requests to {@code host:port} from its direct paths, as
   * they exclude connections from the socket capture: the port ({@code excludeOutboundPorts}), or
   * an IP literal in {@code excludeOutboundIPRanges} (a name is never resolved here).
   */
  public boolean excludesOutbound(String host, int port) {
    if (settings.excludesOutboundPort(port)) {
      return true;
    }
    if (settings.excludeOutboundIPRanges().isEmpty() || !isLiteral(host)) {
      return false;
    }
    InetAddress address = parsed(host);
    return address != null && settings.excludesOutboundAddress(address);
  }

  /** The listener name of destinations {@code outboundTrafficPolicy: REGISTRY_ONLY} blocks. */
  public static final String BLACK_HOLE = MeshDestinations.BLACK_HOLE;

  /**
   * Istio's capture leaves 127.0.0.1 alone: local sidecars, databases and agents stay reachable.
   */
  private static boolean blockable(InetAddress address) {
    if (!address.isLoopbackAddress()) {
      return true;
    }
    String ip = address.getHostAddress();
    return !ip.equals("127.0.0.1") && !ip.equals("0:0:0:0:0:0:0:1");
  }

  // ---- inbound ----

  /**
   * The address a server should really bind: a hidden loopback port if the engine takes {@code
   * requested}, {@code requested} itself otherwise (also when the port is in use, so the
   * application gets its usual {@code BindException}).
   */
  public SocketAddress beforeBind(Object server, SocketAddress requested) {
    if (probing() || !(requested instanceof InetSocketAddress declared)) {
      return requested;
    }
    int port = declared.getPort();
    if (port == 0
        || declared.isUnresolved()
        || settings.excludeInboundPorts().contains(port)
        || ManagementPorts.isManagementBind(port)) {
      return requested;
    }
    destinations(); // the first bind waits for config, like the first connect
    if (servesDirectly(server, port)) {
      // The server's instrumentation applies the mesh to each connection it accepts.
      return requested;
    }
    if (!portFree(declared)) {
      return requested;
    }
    servers.add(server, declared);
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  /**
   * Whether {@code server} serves its mesh port itself ({@code inboundPath: direct}): a server
   * whose instrumentation marked the bind, or a blocking {@link java.net.ServerSocket} on a port
   * that does not speak HTTP, whose accepted sockets the socket instrumentation wraps.
   */
  private boolean servesDirectly(Object server, int port) {
    if (!settings.engine().directInbound()) {
      return false;
    }
    if (dev.jmesh.bootstrap.MeshHooks.inDirectBind()) {
      return true;
    }
    // A blocking socket carries bytes, not requests: on an HTTP port the mesh's HTTP policy
    // (RBAC on paths, JWT, rate limits) could not run inside it, so the engine keeps the port.
    return server instanceof java.net.ServerSocket && !settings.engine().speaksHttp(port);
  }

  /** The server bound its hidden port: the engine now takes the declared one. */
  public void afterBind(Object server, SocketAddress actual) {
    TakenOverServers.Entry entry = servers.find(server);
    if (entry == null || entry.active() || !(actual instanceof InetSocketAddress hidden)) {
      return;
    }
    entry.hidden = hidden;
    try {
      entry.enginePort = inbound.takeOver(entry.declared, hidden);
      MeshLog.info(
          "the engine took over "
              + hostPort(entry.declared)
              + "; the application's server listens on "
              + hostPort(hidden)
              + ", reachable only through the engine");
    } catch (IOException | RuntimeException e) {
      servers.remove(entry);
      MeshLog.error(
          "the engine could not take over "
              + hostPort(entry.declared)
              + " ("
              + e
              + "); the application's server listens on "
              + hostPort(hidden)
              + " unmeshed");
    }
  }

  public void afterClose(Object server) {
    TakenOverServers.Entry entry = servers.find(server);
    if (entry == null) {
      return;
    }
    servers.remove(entry);
    Closeable port = entry.enginePort;
    if (port != null) {
      try {
        port.close();
      } catch (IOException e) {
        MeshLog.warn("closing the engine's " + hostPort(entry.declared) + " failed: " + e);
      }
    }
  }

  public SocketAddress reportedAddress(Object server, SocketAddress actual) {
    TakenOverServers.Entry entry = servers.find(server);
    return entry != null && entry.active() ? entry.declared : actual;
  }

  public int reportedPort(Object server, int actual) {
    TakenOverServers.Entry entry = servers.find(server);
    return entry != null && entry.active() ? entry.declared.getPort() : actual;
  }

  public InetAddress reportedInetAddress(Object server, InetAddress actual) {
    TakenOverServers.Entry entry = servers.find(server);
    return entry != null && entry.active() ? entry.declared.getAddress() : actual;
  }

  /**
   * Whether a connection accepted on {@code localPort} from {@code remote} may reach the
   * application: anything on a port that is not hidden, and on a hidden port only the engine. The
   * engine registers its connection as it completes, which may be a moment after the application
   * accepts it, so an unknown peer is looked at again for up to ~50 ms before it is refused.
   */
  public boolean admits(int localPort, InetSocketAddress remote) {
    if (servers.findByHiddenPort(localPort) == null) {
      return true;
    }
    for (int i = 0; i < ENGINE_CHECKS; i++) {
      if (inbound.isEngineConnection(remote)) {
        return true;
      }
      LockSupport.parkNanos(ENGINE_CHECK_PAUSE_NANOS);
    }
    MeshLog.warn(
        "refused a connection from "
            + hostPort(remote)
            + " to the hidden port "
            + localPort
            + ": only the engine may connect there, so policy cannot be bypassed");
    return false;
  }

  /**
   * Whether a server that bound {@code port} before the engine started (and so serves it outside
   * the engine) may serve a connection now: only once the config is known and lets plaintext in
   * without policy there ({@link EarlyServers#servesUnmeshed}).
   */
  public boolean servesUnmeshed(int port) {
    try {
      if (!readiness.await(Duration.ZERO)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return EarlyServers.servesUnmeshed(snapshots.get().inboundListener(port));
  }

  // ---- config ----

  private MeshDestinations destinations() {
    MeshSnapshot current = snapshots.get();
    MeshDestinations d = destinations;
    if (d != null && d.snapshot() == current) {
      return d;
    }
    if (!waited) {
      awaitFirstConfig();
      current = snapshots.get();
    }
    d = MeshDestinations.of(current, settings.namespace());
    destinations = d;
    return d;
  }

  private void awaitFirstConfig() {
    try {
      if (!readiness.await(firstConfigTimeout)) {
        MeshLog.error(
            "no config from the control plane after "
                + firstConfigTimeout.toMillis()
                + " ms; the mesh goes on with what it has (see /ready)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      waited = true;
    }
  }

  private static boolean portFree(InetSocketAddress declared) {
    PROBING.set(Boolean.TRUE);
    try (ServerSocketChannel probe = ServerSocketChannel.open()) {
      probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      probe.bind(declared);
      return true;
    } catch (IOException e) {
      return false;
    } finally {
      PROBING.remove();
    }
  }

  /** The address of {@code literal} (see {@link #isLiteral}), or {@code null} if it is none. */
  private static InetAddress parsed(String literal) {
    try {
      // A literal: parsed, never looked up.
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  /** An IPv6 literal has a colon, which no name has; an IPv4 one only digits and dots. */
  private static boolean isLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
