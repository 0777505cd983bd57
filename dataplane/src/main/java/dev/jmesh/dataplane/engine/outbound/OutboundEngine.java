package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.engine.ConnectionIdle;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.log.MeshLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's outbound side: one loopback listener per mesh destination, to which the agent
 * redirects the application's plain {@code connect()}. Each accepted connection is routed over the
 * configuration in force when it (for HTTP: each request) starts — HTTP/1.1 and h2c requests
 * through {@link dev.jmesh.dataplane.outbound.OutboundRouter} to pooled upstream connections, TCP
 * destinations through a byte relay — with mTLS to upstreams whose cluster asks for it.
 *
 * <pre>{@code
 * OutboundEngine engine = new OutboundEngine(context, OutboundLimits.DEFAULTS);
 * InetSocketAddress local = engine.listenerFor("reviews.default.svc.cluster.local:9080");
 * socket.connect(local);   // what the hook does instead of connecting to reviews
 * }</pre>
 */
public final class OutboundEngine implements AutoCloseable {

  /** At most this many mesh endpoints addressed by IP get a listener of their own. */
  static final int MAX_ENDPOINT_LISTENERS = 256;

  private final OutboundRuntime rt;
  private final EngineLoops loops;

  /** By destination, or {@code "<destination> via <ip>:<port>"} for an endpoint's own address. */
  private final ConcurrentHashMap<String, Channel> listeners = new ConcurrentHashMap<>();

  private final AtomicInteger endpointListeners = new AtomicInteger();
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean closed;

  public OutboundEngine(EngineContext context, OutboundLimits limits) {
    this.rt = new OutboundRuntime(context, limits);
    this.loops = context.loops();
  }

  /**
   * The loopback address (bound on first use, then cached) that connections for {@code destination}
   * are redirected to: an HTTP outbound listener's {@code host:port} or a TCP proxy listener's
   * name. Binding blocks briefly: call it from the application's thread, never from an event loop.
   */
  public InetSocketAddress listenerFor(String destination) throws IOException {
    return listenerFor(destination, null);
  }

  /**
   * As {@link #listenerFor(String)} for a connection the application made to {@code endpoint}, a
   * mesh endpoint's own IP ({@code null}: to a name or a service's virtual address). Such a
   * connection gets a listener of its own, so a request its route passes through ({@code
   * PassthroughCluster}, Istio's {@code allow_any} for a {@code Host} that names no service) goes
   * on to that address (HTTP destinations only). At most {@link #MAX_ENDPOINT_LISTENERS} endpoints
   * get one; past that, the service's listener takes their connections and answers such a request
   * 503 {@code UH}.
   */
  public InetSocketAddress listenerFor(String destination, InetSocketAddress endpoint)
      throws IOException {
    if (endpoint != null && rt.snapshot().listener(destination) == null) {
      // Not an HTTP destination: a TCP proxy has no route to pass through.
      return listenerFor(destination, null);
    }
    String key = endpoint == null ? destination : destination + " via " + hostKey(endpoint);
    Channel c = listeners.get(key);
    if (c == null) {
      if (closed || rt.draining) {
        throw new IOException("the outbound engine is shut down");
      }
      if (endpoint != null && endpointListeners.get() >= MAX_ENDPOINT_LISTENERS) {
        MeshLog.warnOnce(
            "outbound-endpoint-listeners",
            "more than "
                + MAX_ENDPOINT_LISTENERS
                + " mesh endpoints were addressed by IP: connections to further ones share their"
                + " service's listener, where a request whose Host names no service gets 503 UH");
        return listenerFor(destination, null);
      }
      try {
        c = listeners.computeIfAbsent(key, k -> bind(destination, endpoint));
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
    return (InetSocketAddress) c.localAddress();
  }

  private static String hostKey(InetSocketAddress endpoint) {
    return endpoint.getAddress().getHostAddress() + ":" + endpoint.getPort();
  }

  /**
   * Serves {@code ch}, a connection accepted by a listener of someone else's (mesh-proxy's capture
   * listener), exactly as a connection to the outbound listener of {@code destination}, without a
   * second connection over loopback. Call on {@code ch}'s event loop, once it is active, with
   * auto-read off, nothing read yet and no handler of the caller's left in its pipeline.
   */
  public void adopt(Channel ch, String destination) {
    adopted(ch, destination, null, null);
  }

  /**
   * As {@link #adopt(Channel, String)} for a connection whose client addressed {@code endpoint}, a
   * mesh endpoint's own IP ({@code null}: a name or a virtual address), as {@link
   * #listenerFor(String, InetSocketAddress)} serves it.
   */
  public void adopt(Channel ch, String destination, InetSocketAddress endpoint) {
    adopted(ch, destination, endpoint, null);
  }

  /**
   * As {@link #adopt(Channel, String)} for a connection whose client addressed a local port that
   * stands for {@code destination} (mesh-proxy's {@code --outbound}): each HTTP request's {@code
   * Host} becomes {@code authority} (for routing, as if the client had named the service) and an
   * absolute-form target its origin form. {@code authority} {@code null}: requests left as they
   * are.
   */
  public void adopt(Channel ch, String destination, String authority) {
    adopted(ch, destination, null, authority == null ? null : new FixedAuthority(authority));
  }

  private void adopted(
      Channel ch, String destination, InetSocketAddress endpoint, FixedAuthority authority) {
    if (serve(ch, destination, endpoint, authority)) {
      // The engine's handlers start on channelActive, which for this channel has passed.
      ch.pipeline().fireChannelActive();
    }
  }

  /** Installs the engine's handlers; {@code false} (and the channel closed) once shut down. */
  private boolean serve(
      Channel ch, String destination, InetSocketAddress endpoint, FixedAuthority authority) {
    if (rt.draining || closed) {
      ch.close();
      return false;
    }
    connections.add(ch);
    ch.closeFuture().addListener(x -> closedConnection(ch));
    if (rt.limits.idleTimeout().toNanos() > 0) {
      ch.pipeline().addLast("idle", new ConnectionIdle(rt.limits.idleTimeout()));
    }
    ch.pipeline().addLast(new OutboundConnection(rt, destination, endpoint, authority));
    return true;
  }

  private Channel bind(String destination, InetSocketAddress endpoint) {
    if (endpoint != null) {
      endpointListeners.incrementAndGet();
    }
    ChannelFuture f =
        new ServerBootstrap()
            .group(loops.group())
            .channel(loops.serverChannel())
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    serve(ch, destination, endpoint, null);
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0));
    try {
      f.sync();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new InterruptedIOException("interrupted binding"));
    } catch (Exception e) {
      throw new UncheckedIOException(
          new IOException("cannot bind the outbound listener of " + destination, e));
    }
    return f.channel();
  }

  private void closedConnection(Channel ch) {
    connections.remove(ch);
    if (rt.draining && connections.isEmpty()) {
      drained.complete(null);
    }
  }

  /**
   * Stops accepting, lets requests in flight finish (idle keep-alive connections close, busy ones
   * after their response) and closes what is left after {@code grace}.
   */
  public CompletableFuture<Void> drain(Duration grace) {
    rt.draining = true;
    for (Channel l : listeners.values()) {
      l.close();
    }
    for (Channel c : connections) {
      if (c.pipeline().get(Http2MultiplexHandler.class) != null) {
        // HTTP/2's close is graceful: GOAWAY, then the streams in flight finish.
        c.close();
      } else {
        c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(HttpExchange.DRAIN));
      }
    }
    if (connections.isEmpty()) {
      drained.complete(null);
    }
    rt.context
        .timer()
        .schedule(
            () -> {
              if (!drained.isDone()) {
                MeshLog.info(
                    "outbound drain: closing " + connections.size() + " connections still open");
                connections.forEach(Channel::close);
              }
            },
            grace.toNanos());
    return drained;
  }

  @Override
  public void close() {
    closed = true;
    rt.draining = true;
    for (Channel l : listeners.values()) {
      l.close();
    }
    listeners.clear();
    for (Channel c : connections) {
      c.close();
    }
    rt.closePools();
  }
}
