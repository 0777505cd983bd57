package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.settings.MeshSettings;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** One port the engine took over: its listening channel and what its connections share. */
final class ServedPort implements InboundPort {

  private final InboundEngine engine;
  private final InetSocketAddress declared;
  private final ApplicationDialer dialer;
  private final Map<EventLoop, Http1AppPool> pools = new ConcurrentHashMap<>();
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final boolean applicationSpeaksHttp2;
  private volatile Channel server;

  ServedPort(InboundEngine engine, InetSocketAddress declared, ApplicationDialer dialer) {
    this.engine = engine;
    this.declared = declared;
    this.dialer = dialer;
    // The engine's settings are fixed for its life, and every HTTP/2 stream asks: answered once.
    this.applicationSpeaksHttp2 = speaksHttp2(engine.context().settings(), declared.getPort());
  }

  void listening(Channel server) {
    this.server = server;
  }

  InboundEngine engine() {
    return engine;
  }

  /**
   * Whether the application on this port speaks HTTP/2, as its Istio port name says ({@code grpc},
   * {@code grpc-web}, {@code http2}, {@code h2c}…, Istio's protocol selection by name prefix). An
   * HTTP/1.1 application is not offered {@code h2} over mTLS: the engine passes HTTP/2 streams on
   * as HTTP/2, which such an application would refuse.
   */
  boolean applicationSpeaksHttp2() {
    return applicationSpeaksHttp2;
  }

  private static boolean speaksHttp2(MeshSettings settings, int port) {
    if (settings == null) {
      // An engine without settings (tests, tools) keeps offering both.
      return true;
    }
    // A port not declared in servicePorts is announced as http-PORT: HTTP/1.1.
    String name = settings.engine().servicePorts().get(port);
    return name != null
        && (name.startsWith("grpc") || name.startsWith("http2") || name.startsWith("h2"));
  }

  /**
   * Whether a servlet container serving this port's application claimed it: its new HTTP
   * connections are then relayed to the container, which runs the HTTP policy itself.
   */
  boolean claimed() {
    return claimed.get();
  }

  /** Claims the port for its container; {@code true} only for the first claim. */
  boolean claim() {
    return !claimed.get() && claimed.compareAndSet(false, true);
  }

  /** Whether the application's own port or the declared one is {@code localPort}. */
  boolean serves(int localPort) {
    return application().getPort() == localPort || declared().getPort() == localPort;
  }

  ApplicationDialer dialer() {
    return dialer;
  }

  /** The HTTP/1.1 keep-alive pool to the application of one event loop (only used on it). */
  Http1AppPool pool(EventLoop loop) {
    Http1AppPool pool = pools.get(loop);
    return pool != null ? pool : pools.computeIfAbsent(loop, l -> new Http1AppPool(dialer, l));
  }

  @Override
  public InetSocketAddress declared() {
    Channel s = server;
    return s != null && s.localAddress() instanceof InetSocketAddress bound ? bound : declared;
  }

  @Override
  public InetSocketAddress application() {
    return dialer.application();
  }

  void stopListening() {
    Channel s = server;
    if (s != null && !s.eventLoop().inEventLoop()) {
      s.close().syncUninterruptibly();
    } else if (s != null) {
      s.close();
    }
  }

  /** Closes the idle pooled connections to the application. */
  void closeIdleApplicationConnections() {
    pools.values().forEach(Http1AppPool::close);
  }

  @Override
  public void close() {
    stopListening();
    closeIdleApplicationConnections();
    engine.removed(this);
  }
}
