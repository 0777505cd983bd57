package dev.jmesh.dataplane.engine.inbound;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One port the engine took over: its listening channel and what its connections share. */
final class ServedPort implements InboundPort {

  private final InboundEngine engine;
  private final InetSocketAddress declared;
  private final ApplicationDialer dialer;
  private final Map<EventLoop, Http1AppPool> pools = new ConcurrentHashMap<>();
  private volatile Channel server;

  ServedPort(InboundEngine engine, InetSocketAddress declared, ApplicationDialer dialer) {
    this.engine = engine;
    this.declared = declared;
    this.dialer = dialer;
  }

  void listening(Channel server) {
    this.server = server;
  }

  InboundEngine engine() {
    return engine;
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
