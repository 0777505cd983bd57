package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.engine.EngineUpstreamConnections;
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
import java.util.ArrayDeque;
import java.util.HashMap;

/**
 * The upstream connections of one event loop, keyed by host and TLS: idle HTTP/1.1 keep-alive
 * connections, and one shared HTTP/2 connection per key that each request opens a stream on. Only
 * its own event loop touches it, so it needs no locks; connections are made on that loop too, so a
 * downstream and its upstream never cross threads.
 */
final class UpstreamPool {

  /** Where and how a connection goes. {@code tls} is compared by identity. */
  record Key(String address, int port, UpstreamTls.Choice tls) {}

  private final EventLoop loop;
  private final EngineLoops loops;
  private final HashMap<Key, ArrayDeque<Channel>> idle = new HashMap<>();
  private final HashMap<Key, Future<Channel>> h2 = new HashMap<>();

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

  /** Keeps a keep-alive connection for the next request to {@code key}. */
  void release(Key key, Channel c) {
    if (!c.isActive()) {
      return;
    }
    idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(c);
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
          new Http2StreamChannelBootstrap((Channel) f.getNow())
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
                      stream.trySuccess((Http2StreamChannel) o.getNow());
                    } else {
                      stream.tryFailure(o.cause());
                    }
                  });
        });
    return stream;
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
