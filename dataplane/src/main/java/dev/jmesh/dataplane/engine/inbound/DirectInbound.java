package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.stats.InboundConnections;
import dev.jmesh.dataplane.stats.RequestPaths;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;

/**
 * The engine's inbound rules for connections an application's own server accepts on a port it
 * serves itself (direct inbound, {@code inboundPath: direct}): the same listener per port, the same
 * PERMISSIVE sniffing, STRICT and DISABLE, mutual TLS with SPIFFE IDs, RBAC, JWT and rate limits,
 * and the same Istio records as the engine's, handed to the server's instrumentation as a {@link
 * MeshInbound} per connection instead of run on the engine's own listener. Thread-safe.
 */
public final class DirectInbound {

  private final EngineContext context;
  private final IntFunction<InboundListener> listeners;
  private final BooleanSupplier configured;
  private final String selfMetadata;
  private final RequestPaths paths;
  private final InboundConnections connections;
  private final InboundEngine engine;
  private volatile Tls tls;

  /** The server TLS of one identity; its key manager follows the identity's renewals. */
  private record Tls(WorkloadIdentity identity, SSLContext context) {}

  public DirectInbound(EngineContext context, RequestPaths paths, InboundConnections connections) {
    this(context, paths, connections, null);
  }

  /**
   * {@code engine}: the inbound engine whose ports servlet containers may claim ({@link
   * #container}); {@code null} for none.
   */
  public DirectInbound(
      EngineContext context,
      RequestPaths paths,
      InboundConnections connections,
      InboundEngine engine) {
    this(
        context,
        paths,
        connections,
        port -> context.snapshot().get().inboundListener(port),
        () -> context.snapshot().get() != MeshSnapshot.EMPTY,
        engine);
  }

  DirectInbound(
      EngineContext context,
      RequestPaths paths,
      InboundConnections connections,
      IntFunction<InboundListener> listeners,
      BooleanSupplier configured) {
    this(context, paths, connections, listeners, configured, null);
  }

  DirectInbound(
      EngineContext context,
      RequestPaths paths,
      InboundConnections connections,
      IntFunction<InboundListener> listeners,
      BooleanSupplier configured,
      InboundEngine engine) {
    this.engine = engine;
    this.context = context;
    this.paths = paths;
    this.connections = connections;
    this.listeners = listeners;
    this.configured = configured;
    this.selfMetadata = PeerMetadata.encode(context.self());
  }

  /** How the connection from {@code remote} to {@code local} is to be served. */
  public MeshInbound accept(String library, InetSocketAddress local, InetSocketAddress remote) {
    int port = local.getPort();
    if (!configured.getAsBoolean()) {
      MeshLog.warnOnce(
          "direct-inbound-no-config",
          "inbound "
              + local
              + ": no config from the control plane yet; connections are refused until it"
              + " arrives rather than served without mTLS or policy (see /ready)");
      connections.count(library, InboundConnections.Transport.REFUSED);
      return MeshHooks.REFUSING;
    }
    TransportPlan plan =
        TransportPlan.of(listeners.apply(port), identityReady(), () -> listeners.apply(port));
    return new DirectConnection(this, library, plan, local, remote);
  }

  /**
   * A servlet container serves a request that reached it on {@code localPort} from {@code
   * remoteAddress:remotePort} (an IP literal, as containers report it): the {@link MeshInbound}
   * whose policy the request must pass, or {@code null} to leave it alone.
   *
   * <ul>
   *   <li>{@code localPort} is no port the engine took over: the container is not behind the engine
   *       (an excluded port, no mesh), {@code null}.
   *   <li>The first request on a taken-over port claims it ({@link InboundEngine#claimed}); it came
   *       through the engine's HTTP pipeline, which already checked it: {@code null}.
   *   <li>The remote address is a relayed connection's loopback side: that connection's peer.
   *   <li>The remote address is another open engine connection (HTTP mode, opened before the
   *       claim): {@code null}, the engine checked the request.
   *   <li>Otherwise (a relayed connection the engine already closed while the container still reads
   *       what it had sent): refused, since nothing vouches for the peer any more.
   * </ul>
   */
  public MeshInbound container(
      String library, int localPort, String remoteAddress, int remotePort) {
    InboundEngine e = engine;
    if (e == null) {
      return null;
    }
    ServedPort port = e.servedPort(localPort);
    if (port == null) {
      return null;
    }
    if (port.claim()) {
      e.claimed(port);
      return null;
    }
    InetSocketAddress remote = new InetSocketAddress(remoteAddress, remotePort);
    RelayedConnection relayed = e.relayed().find(remote);
    if (relayed != null && relayed.chain() != null && relayed.chain().http()) {
      return relayed.served(this, library);
    }
    if (relayed != null) {
      // A TCP relay on the container's port (accepted before the port's HTTP listener arrived):
      // neither the engine nor the container checked its requests. Refused; the container
      // closes the connection after the reply, and the client's next one is checked.
      return MeshHooks.REFUSING;
    }
    if (e.isEngineConnection(remote)) {
      return null;
    }
    MeshLog.warnOnce(
        "container-unknown-connection",
        "inbound "
            + port.declared()
            + ": a request from "
            + remote
            + " reached the container on no open engine connection; refused (503)");
    return MeshHooks.REFUSING;
  }

  EngineContext context() {
    return context;
  }

  String selfMetadata() {
    return selfMetadata;
  }

  RequestPaths paths() {
    return paths;
  }

  InboundConnections connections() {
    return connections;
  }

  long detectionTimeoutMillis() {
    return context.settings() == null
        ? 5000
        : context.settings().engine().protocolDetectionTimeout().toMillis();
  }

  /** Whether the application on {@code port} speaks HTTP/2, by its Istio port name. */
  boolean applicationSpeaksHttp2(int port) {
    if (context.settings() == null) {
      return false;
    }
    String name = context.settings().engine().servicePorts().get(port);
    return name != null
        && (name.startsWith("grpc") || name.startsWith("http2") || name.startsWith("h2"));
  }

  private MeshTls.Provider provider() {
    return context.settings() == null ? MeshTls.Provider.JDK : context.settings().tlsProvider();
  }

  WorkloadIdentity identity() {
    return context.identity() == null ? null : context.identity().get();
  }

  boolean identityReady() {
    WorkloadIdentity id = identity();
    return id != null && id.current() != null;
  }

  /**
   * The server TLS of this workload: its SVID, and every SPIFFE ID the bundle vouches for (policy,
   * not the handshake, says which peers get in); {@code null} without an identity.
   */
  SSLContext serverTls() {
    WorkloadIdentity id = identity();
    if (id == null) {
      return null;
    }
    Tls t = tls;
    if (t != null && t.identity == id) {
      return t.context;
    }
    try {
      SSLContext c = MeshTls.forConnections(id, any -> true, provider());
      tls = new Tls(id, c);
      return c;
    } catch (GeneralSecurityException | RuntimeException e) {
      MeshLog.warnOnce(
          "direct-inbound-tls:" + e.getMessage(),
          "cannot build the inbound TLS context (" + e + "): mTLS connections are refused");
      return null;
    }
  }
}
