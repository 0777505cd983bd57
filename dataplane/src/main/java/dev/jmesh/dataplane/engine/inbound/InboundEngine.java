package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.engine.TcpPeerExchange;
import dev.jmesh.dataplane.log.MeshLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * The inbound side of the engine: it listens on the ports the application declared, applies mutual
 * TLS and inbound policy to each connection, and forwards what policy lets through to the
 * application on the hidden loopback port it really listens on.
 *
 * <pre>{@code
 * InboundEngine inbound = new InboundEngine(context, InboundLimits.DEFAULTS);
 * InboundPort port = inbound.takeOver(new InetSocketAddress(8080), hiddenAddress);
 * ...
 * if (!inbound.isEngineConnection(accepted.getRemoteSocketAddress())) accepted.close();
 * }</pre>
 */
public final class InboundEngine implements AutoCloseable {

  /** The user event a drain sends down every downstream pipeline. */
  static final Object DRAIN = new Object();

  private final EngineContext context;
  private final InboundLimits limits;
  private final IntFunction<InboundListener> listeners;
  private final BooleanSupplier configured;
  private final InboundTls tls;
  private final Set<InetSocketAddress> engineConnections = ConcurrentHashMap.newKeySet();
  private final RelayedConnections relayed = new RelayedConnections();
  private final Set<Channel> downstreams = ConcurrentHashMap.newKeySet();
  private final List<ServedPort> ports = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final String selfMetadata;
  private final byte[] tcpPeerPrefix;
  private volatile boolean draining;

  public InboundEngine(EngineContext context, InboundLimits limits) {
    this(
        context,
        limits,
        port -> context.snapshot().get().inboundListener(port),
        () -> context.snapshot().get() != MeshSnapshot.EMPTY);
  }

  /** With another source of listeners: a test seam, since snapshots come only from xDS. */
  InboundEngine(
      EngineContext context, InboundLimits limits, IntFunction<InboundListener> listeners) {
    this(context, limits, listeners, () -> true);
  }

  /** {@code configured}: whether any config has arrived; until then connections are refused. */
  InboundEngine(
      EngineContext context,
      InboundLimits limits,
      IntFunction<InboundListener> listeners,
      BooleanSupplier configured) {
    this.configured = configured;
    this.context = context;
    this.limits = limits;
    this.listeners = listeners;
    this.selfMetadata = PeerMetadata.encode(context.self());
    this.tcpPeerPrefix =
        TcpPeerExchange.prefix(context.self(), PeerMetadata.id(context.self(), address(context)));
    this.tls = new InboundTls(context.settings() == null ? null : context.settings().tlsProvider());
  }

  /** Listens on declared; forwards what policy lets through to the application at `application`. */
  public InboundPort takeOver(InetSocketAddress declared, InetSocketAddress application)
      throws IOException {
    if (draining) {
      throw new IOException("the inbound engine is draining; " + declared + " is not taken over");
    }
    ServedPort port =
        new ServedPort(
            this,
            declared,
            new ApplicationDialer(context.loops(), application, engineConnections, relayed));
    Channel server;
    try {
      server =
          new ServerBootstrap()
              .group(context.loops().group())
              .channel(context.loops().serverChannel())
              .option(ChannelOption.SO_REUSEADDR, true)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      accept(port, ch);
                    }
                  })
              .bind(declared)
              .syncUninterruptibly()
              .channel();
    } catch (Exception e) {
      // Netty rethrows the bind's checked exception (BindException) undeclared.
      throw new IOException("cannot listen on " + declared + ": " + e.getMessage(), e);
    }
    port.listening(server);
    ports.add(port);
    return port;
  }

  private void accept(ServedPort port, Channel ch) {
    if (draining) {
      ch.close();
      return;
    }
    // A plaintext TCP relay passes a client's half-close on; every other chain closes on it.
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    downstreams.add(ch);
    ch.closeFuture().addListener(f -> downstreams.remove(ch));
    if (!configured.getAsBoolean()) {
      // No config has ever arrived: whether STRICT covers this port is unknown, so the
      // connection is refused rather than served in the clear.
      MeshLog.warnOnce(
          "inbound-no-config",
          "inbound "
              + port.declared()
              + ": no config from the control plane yet; connections are refused until it"
              + " arrives rather than served without mTLS or policy (see /ready)");
      ch.close();
      return;
    }
    int number = port.declared().getPort();
    InboundListener listener = listeners.apply(number);
    TransportPlan plan = TransportPlan.of(listener, identityReady(), () -> listeners.apply(number));
    ch.pipeline().addLast(new TransportSelector(port, plan));
  }

  boolean identityReady() {
    return context.identity() != null
        && context.identity().get() != null
        && context.identity().get().current() != null;
  }

  EngineContext context() {
    return context;
  }

  InboundLimits limits() {
    return limits;
  }

  InboundTls tls() {
    return tls;
  }

  /** This workload's {@code x-envoy-peer-metadata}, encoded once. */
  String selfMetadata() {
    return selfMetadata;
  }

  /** This workload's TCP metadata exchange prefix, encoded once; callers must not change it. */
  byte[] tcpPeerPrefix() {
    return tcpPeerPrefix;
  }

  /** The workload's address for its node id, as the outbound side names it. */
  static String address(EngineContext context) {
    return context.settings() == null || context.settings().workloadAddress() == null
        ? "127.0.0.1"
        : context.settings().workloadAddress();
  }

  boolean draining() {
    return draining;
  }

  /** Downstream connections open now. */
  int openConnections() {
    return downstreams.size();
  }

  /** A request (or TCP connection) began; a drain waits for it. */
  void begin() {
    inFlight.incrementAndGet();
  }

  void end() {
    inFlight.decrementAndGet();
  }

  void removed(ServedPort port) {
    ports.remove(port);
  }

  /**
   * Whether a connection the application accepted on its hidden port, from `remote`, was opened by
   * this engine (the agent closes any other: a local process must not bypass policy). Lock-free.
   */
  public boolean isEngineConnection(InetSocketAddress remote) {
    return remote != null && engineConnections.contains(remote);
  }

  /** The port whose application (or declared) port is {@code localPort}, or {@code null}. */
  ServedPort servedPort(int localPort) {
    for (ServedPort p : ports) {
      if (p.serves(localPort)) {
        return p;
      }
    }
    return null;
  }

  RelayedConnections relayed() {
    return relayed;
  }

  /**
   * A servlet container claimed {@code port}: the HTTP connections open on it now end after their
   * current response (as a drain ends them: {@code Connection: close}, GOAWAY), so their clients
   * reconnect and every caller reaches the container's policy over the relay within one request.
   */
  void claimed(ServedPort port) {
    int number = port.declared().getPort();
    for (Channel ch : downstreams) {
      if (ch.localAddress() instanceof InetSocketAddress local && local.getPort() == number) {
        ch.pipeline().fireUserEventTriggered(DRAIN);
      }
    }
    MeshLog.info(
        "inbound "
            + port.declared()
            + ": a servlet container serves it; new connections are relayed to it after the"
            + " engine settles their transport, and the container checks each request");
  }

  /** {@link #drain(Duration)} with the limits' drain grace. */
  public CompletableFuture<Void> drain() {
    return drain(limits.drainGrace());
  }

  /**
   * Graceful drain: stop accepting on every port, HTTP/1 responses get {@code Connection: close},
   * HTTP/2 gets GOAWAY, wait for in-flight requests up to grace, then close everything.
   */
  public CompletableFuture<Void> drain(Duration grace) {
    draining = true;
    for (ServedPort port : ports) {
      port.stopListening();
    }
    for (Channel ch : downstreams) {
      ch.pipeline().fireUserEventTriggered(DRAIN);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + grace.toNanos();
    waitForInFlight(done, deadline);
    return done;
  }

  private void waitForInFlight(CompletableFuture<Void> done, long deadline) {
    if (inFlight.get() <= 0 || System.nanoTime() - deadline >= 0) {
      if (inFlight.get() > 0) {
        MeshLog.info(
            "inbound drain: grace over with " + inFlight.get() + " requests in flight; closing");
      }
      closeDownstreams();
      for (ServedPort port : ports) {
        port.closeIdleApplicationConnections();
      }
      done.complete(null);
      return;
    }
    context
        .loops()
        .group()
        .schedule(() -> waitForInFlight(done, deadline), 20, TimeUnit.MILLISECONDS);
  }

  private void closeDownstreams() {
    for (Channel ch : downstreams) {
      ch.close();
    }
  }

  @Override
  public void close() {
    draining = true;
    for (ServedPort port : ports) {
      port.close();
    }
    closeDownstreams();
  }
}
