package dev.jmesh.dataplane.engine.inbound;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;

/**
 * Keep-alive HTTP/1.1 connections to the application, one pool per event loop and used only on it,
 * so leasing a connection takes no lock. A connection goes back to the pool when its response ended
 * cleanly and is dropped when it closes.
 */
final class Http1AppPool {

  private final ApplicationDialer dialer;
  private final EventLoop loop;
  private final ArrayDeque<Channel> idle = new ArrayDeque<>();

  Http1AppPool(ApplicationDialer dialer, EventLoop loop) {
    this.dialer = dialer;
    this.loop = loop;
  }

  /**
   * An idle connection to reuse, or {@code null}: the usual case of a request costs no promise and
   * no listener. On the pool's loop only.
   */
  Channel pollIdle() {
    for (Channel ch; (ch = idle.pollFirst()) != null; ) {
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /** A new connection; completes on the pool's loop. */
  Future<Channel> connect() {
    Promise<Channel> promise = loop.newPromise();
    ChannelFuture connecting =
        dialer.dial(
            loop,
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel c) {
                // Validating the answer's fields (Netty's default), which HTTP/2 streams then
                // copy unchecked (Http1ApplicationStream.http2Fields).
                c.pipeline().addLast("codec", new HttpClientCodec());
                c.pipeline().addLast("exchange", new Http1Upstream());
              }
            });
    connecting.addListener(
        f -> {
          if (f.isSuccess()) {
            Channel opened = connecting.channel();
            // Once per connection, not per release: a listener added on every return to the pool
            // would pile up on the close future, one per request, for the connection's life.
            opened.closeFuture().addListener(c -> loop.execute(() -> idle.remove(opened)));
            promise.setSuccess(opened);
          } else {
            promise.setFailure(f.cause());
          }
        });
    return promise;
  }

  /**
   * Whether a bodiless request with {@code method} may be sent again on a new connection when the
   * pooled one it went out on closed before any answer (the application's keep-alive timeout met
   * the reuse): Envoy resends such an idempotent request once.
   */
  static boolean resendable(HttpMethod method) {
    return HttpMethod.GET.equals(method)
        || HttpMethod.HEAD.equals(method)
        || HttpMethod.OPTIONS.equals(method);
  }

  /** Takes back a connection whose exchange ended cleanly. */
  void release(Channel ch) {
    if (ch.isActive()) {
      idle.addFirst(ch);
    }
  }

  /** Closes the idle connections; on any thread. */
  void close() {
    loop.execute(
        () -> {
          for (Channel ch; (ch = idle.pollFirst()) != null; ) {
            ch.close();
          }
        });
  }

  int idleCount() {
    return idle.size();
  }
}
