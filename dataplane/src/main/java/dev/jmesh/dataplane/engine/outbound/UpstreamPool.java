package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.cluster.ConnectionReuse;
import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.engine.EngineUpstreamConnections;
import dev.jmesh.dataplane.engine.EngineUpstreamConnections.Retired;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The upstream connections of one event loop, keyed by host and TLS: idle HTTP/1.1 keep-alive
 * connections, and one shared HTTP/2 connection per key that each request opens a stream on. Only
 * its own event loop touches it, so it needs no locks; connections are made on that loop too, so a
 * downstream and its upstream never cross threads.
 *
 * <p>Connections are reused as the cluster's {@link ConnectionReuse} allows: one that has carried
 * its requests per connection is closed (HTTP/1.1) or takes no new streams and closes after its
 * last (HTTP/2); one idle for the idle timeout is closed by a sweep that is scheduled for the
 * earliest such deadline, not once per request.
 */
final class UpstreamPool {

  /**
   * Where and how a connection goes, and how it may be reused. {@code tls} is compared by
   * identity.
   */
  record Key(String address, int port, UpstreamTls.Choice tls, ConnectionReuse reuse) {}

  private final EventLoop loop;
  private final EngineLoops loops;
  private final HashMap<Key, ArrayDeque<Channel>> idle = new HashMap<>();
  private final HashMap<Key, Future<Channel>> h2 = new HashMap<>();
  private final Runnable sweep = this::sweepIdle;
  private ScheduledFuture<?> sweepTask;
  private long sweepAt;

  UpstreamPool(EventLoop loop, EngineLoops loops) {
    this.loop = loop;
    this.loops = loops;
  }

  /** An idle HTTP/1.1 connection to reuse, or {@code null}. */
  Channel pollIdle(Key key) {
    ArrayDeque<Channel> q = idle.get(key);
    if (q == null) {
      return null;
    }
    Channel c;
    while ((c = q.pollLast()) != null) {
      if (c.isActive()) {
        return c;
      }
    }
    return null;
  }

  /**
   * Keeps a keep-alive connection for the next request to {@code key}, once the request it carried
   * has ended; closes it instead when it has carried the cluster's requests per connection.
   */
  void release(Key key, Channel c) {
    if (!c.isActive()) {
      return;
    }
    ConnectionUse use = ConnectionUse.of(c);
    if (key.reuse().spent(++use.requests)) {
      EngineUpstreamConnections.retired(Retired.MAX_REQUESTS);
      c.close();
      return;
    }
    use.idleSince = System.nanoTime();
    idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(c);
    sweepBy(key.reuse(), use.idleSince);
  }

  /** A new HTTP/1.1 connection, complete when connected and (for TLS) handshaken. */
  Future<Channel> connectHttp1(Key key, int connectTimeoutMillis) {
    Future<Channel> ready =
        connect(
            key,
            connectTimeoutMillis,
            p -> p.addLast(new HttpClientCodec(4096, 64 * 1024, 64 * 1024), new UpstreamStream()));
    ready.addListener(
        f -> {
          if (f.isSuccess()) {
            Channel c = (Channel) f.getNow();
            // Once per connection: a closed one leaves the idle queue (if it sits there).
            c.closeFuture()
                .addListener(
                    closed -> {
                      ArrayDeque<Channel> q = idle.get(key);
                      if (q != null) {
                        q.remove(c);
                      }
                    });
          }
        });
    return ready;
  }

  /** A new HTTP/2 stream to {@code key}, over the loop's shared connection to it. */
  Future<Http2StreamChannel> openStream(Key key, int connectTimeoutMillis) {
    Promise<Http2StreamChannel> stream = loop.newPromise();
    Future<Channel> parent = h2.get(key);
    if (parent == null
        || (parent.isDone() && (!parent.isSuccess() || !parent.getNow().isActive()))) {
      parent =
          connect(
              key,
              connectTimeoutMillis,
              p ->
                  p.addLast(
                      Http2FrameCodecBuilder.forClient().build(),
                      new Http2MultiplexHandler(new ChannelInboundHandlerAdapter())));
      Future<Channel> mine = parent;
      h2.put(key, mine);
      mine.addListener(
          f -> {
            if (f.isSuccess()) {
              mine.getNow().closeFuture().addListener(c -> h2.remove(key, mine));
            } else {
              h2.remove(key, mine);
            }
          });
    }
    parent.addListener(
        f -> {
          if (!f.isSuccess()) {
            stream.tryFailure(f.cause());
            return;
          }
          Channel connection = (Channel) f.getNow();
          ConnectionUse use = ConnectionUse.of(connection);
          if (key.reuse().spent(++use.requests)) {
            // Its last stream: later requests open a new connection, this one closes after it.
            use.retired = true;
            h2.remove(key, parentOf(key, connection));
            EngineUpstreamConnections.retired(Retired.MAX_REQUESTS);
          }
          use.openStreams++;
          use.idleSince = 0;
          new Http2StreamChannelBootstrap(connection)
              .handler(
                  new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                      ch.pipeline()
                          .addLast(
                              new Http2StreamFrameToHttpObjectCodec(false), new UpstreamStream());
                    }
                  })
              .open()
              .addListener(
                  o -> {
                    if (o.isSuccess()) {
                      Http2StreamChannel s = (Http2StreamChannel) o.getNow();
                      s.closeFuture().addListener(closed -> streamEnded(key, connection, use));
                      stream.trySuccess(s);
                    } else {
                      streamEnded(key, connection, use);
                      stream.tryFailure(o.cause());
                    }
                  });
        });
    return stream;
  }

  /** The future {@link #h2} holds for {@code connection}, if it is still the shared one. */
  private Future<Channel> parentOf(Key key, Channel connection) {
    Future<Channel> shared = h2.get(key);
    return shared != null && shared.isSuccess() && shared.getNow() == connection ? shared : null;
  }

  private void streamEnded(Key key, Channel connection, ConnectionUse use) {
    if (--use.openStreams > 0) {
      return;
    }
    if (use.retired) {
      connection.close();
      return;
    }
    use.idleSince = System.nanoTime();
    sweepBy(key.reuse(), use.idleSince);
  }

  /** Makes sure a sweep runs by the time a connection idle since {@code idleSince} is due. */
  private void sweepBy(ConnectionReuse reuse, long idleSince) {
    if (!reuse.idleTimeoutEnabled()) {
      return;
    }
    long due = idleSince + reuse.idleTimeoutNanos();
    if (sweepTask != null && sweepAt - due <= 0) {
      return; // an earlier sweep is already scheduled: the usual case, one compare per request
    }
    if (sweepTask != null) {
      sweepTask.cancel(false);
    }
    sweepAt = due;
    sweepTask = loop.schedule(sweep, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Closes the connections idle for their cluster's idle timeout; schedules the next sweep. */
  private void sweepIdle() {
    sweepTask = null;
    long now = System.nanoTime();
    long next = Long.MAX_VALUE;
    boolean any = false;
    ArrayList<Channel> expired = new ArrayList<>();
    for (Map.Entry<Key, ArrayDeque<Channel>> e : idle.entrySet()) {
      ConnectionReuse reuse = e.getKey().reuse();
      if (!reuse.idleTimeoutEnabled()) {
        continue;
      }
      // Released at the back, reused from the back: the front has been idle longest.
      ArrayDeque<Channel> q = e.getValue();
      for (Channel c = q.peekFirst(); c != null; c = q.peekFirst()) {
        long due = ConnectionUse.of(c).idleSince + reuse.idleTimeoutNanos();
        if (now - due < 0) {
          next = any ? Math.min(next, due) : due;
          any = true;
          break;
        }
        expired.add(q.pollFirst());
      }
    }
    for (Map.Entry<Key, Future<Channel>> e : h2.entrySet()) {
      ConnectionReuse reuse = e.getKey().reuse();
      Future<Channel> f = e.getValue();
      if (!reuse.idleTimeoutEnabled() || !f.isSuccess()) {
        continue;
      }
      ConnectionUse use = ConnectionUse.of(f.getNow());
      if (use.openStreams > 0 || use.idleSince == 0) {
        continue; // busy (or not yet used): its next idle moment schedules its own sweep
      }
      long due = use.idleSince + reuse.idleTimeoutNanos();
      if (now - due >= 0) {
        expired.add(f.getNow());
      } else {
        next = any ? Math.min(next, due) : due;
        any = true;
      }
    }
    for (Channel c : expired) {
      EngineUpstreamConnections.retired(Retired.IDLE_TIMEOUT);
      c.close(); // its close listener leaves the idle queue or the shared HTTP/2 slot
    }
    if (any) {
      sweepAt = next;
      sweepTask = loop.schedule(sweep, Math.max(0, next - now), TimeUnit.NANOSECONDS);
    }
  }

  private interface Pipeline {
    void init(ChannelPipeline p);
  }

  private Future<Channel> connect(Key key, int connectTimeoutMillis, Pipeline protocol) {
    Promise<Channel> ready = loop.newPromise();
    ChannelFuture connect =
        new Bootstrap()
            .group(loop)
            .channel(loops.channel())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectTimeoutMillis))
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (key.tls().secure()) {
                      SslHandler ssl =
                          key.tls().sni != null
                              ? key.tls().context.newHandler(ch.alloc(), key.tls().sni, key.port())
                              : key.tls().context.newHandler(ch.alloc());
                      ch.pipeline().addLast(ssl);
                    }
                    protocol.init(ch.pipeline());
                  }
                })
            .connect(key.address(), key.port());
    connect.addListener(
        (ChannelFuture f) -> {
          if (!f.isSuccess()) {
            ready.tryFailure(f.cause());
            return;
          }
          EngineUpstreamConnections.opened(f.channel());
          ConnectionUse.attachTo(f.channel());
          SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
          if (ssl == null) {
            ready.trySuccess(f.channel());
            return;
          }
          ssl.handshakeFuture()
              .addListener(
                  h -> {
                    if (h.isSuccess()) {
                      ready.trySuccess(f.channel());
                    } else {
                      f.channel().close();
                      ready.tryFailure(h.cause());
                    }
                  });
        });
    return ready;
  }

  /** Closes every pooled connection (on shutdown). */
  void closeAll() {
    if (sweepTask != null) {
      sweepTask.cancel(false);
      sweepTask = null;
    }
    for (ArrayDeque<Channel> q : idle.values()) {
      for (Channel c : q.toArray(new Channel[0])) {
        c.close();
      }
    }
    for (Future<Channel> f : h2.values().toArray(new Future[0])) {
      if (f.isSuccess()) {
        f.getNow().close();
      }
    }
  }
}
