package dev.jmesh.dataplane.engine.inbound;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.SocketAddress;

/**
 * A downstream stream's request as a stream of its own on the downstream connection's shared h2c
 * connection to the application; frames pass as they are, so gRPC's trailers survive.
 */
final class Http2ApplicationStream extends ChannelInboundHandlerAdapter
    implements ApplicationStream {

  private final Http2StreamExchange exchange;
  private Http2StreamChannel stream;

  private Http2ApplicationStream(Http2StreamExchange exchange) {
    this.exchange = exchange;
  }

  /** Opens a stream once {@code application} (the shared connection) is up. */
  static void open(Http2StreamExchange exchange, Future<Channel> application) {
    if (application.isDone()) {
      openOn(exchange, application);
    } else {
      application.addListener(f -> openOn(exchange, application));
    }
  }

  private static void openOn(Http2StreamExchange exchange, Future<Channel> application) {
    if (!application.isSuccess()) {
      exchange.openFailed();
      return;
    }
    Http2ApplicationStream side = new Http2ApplicationStream(exchange);
    new Http2StreamChannelBootstrap(application.getNow())
        .handler(side)
        .open()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                exchange.openFailed();
                return;
              }
              side.stream = (Http2StreamChannel) f.getNow();
              exchange.opened(side);
            });
  }

  @Override
  public void send(Object frame) {
    stream.write(frame, stream.voidPromise());
  }

  @Override
  public void flush() {
    stream.flush();
  }

  @Override
  public boolean isWritable() {
    return stream.isWritable();
  }

  @Override
  public void pauseResponse() {
    stream.config().setAutoRead(false);
  }

  @Override
  public void resumeResponse() {
    stream.config().setAutoRead(true);
    stream.read();
  }

  @Override
  public void close() {
    stream.close();
  }

  @Override
  public SocketAddress localAddress() {
    return stream.localAddress();
  }

  @Override
  public void channelRead(ChannelHandlerContext up, Object msg) {
    if (msg instanceof Http2HeadersFrame frame) {
      exchange.responseHeaders(frame.headers(), frame.isEndStream());
    } else if (msg instanceof Http2DataFrame data) {
      exchange.responseData(data.content(), data.isEndStream());
    } else if (msg instanceof Http2ResetFrame) {
      exchange.applicationGone();
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext up) {
    exchange.flushDownstream();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext up) {
    if (up.channel().isWritable()) {
      exchange.applicationWritable();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext up) {
    exchange.applicationGone();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext up, Throwable cause) {
    up.close();
  }
}
