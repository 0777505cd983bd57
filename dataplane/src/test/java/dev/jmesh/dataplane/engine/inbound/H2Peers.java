package dev.jmesh.dataplane.engine.inbound;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** A small h2c application (a gRPC-like echo with trailers) and an HTTP/2 client, both Netty. */
final class H2Peers implements AutoCloseable {

  /** A response: its final headers, body and trailers, and how many 1xx came before it. */
  record Response(Http2Headers headers, String body, Http2Headers trailers, int informational) {}

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  /**
   * Starts the application: each stream answers its request headers with {@code seen-xfcc}, {@code
   * seen-xff}, {@code seen-authorization} and {@code seen-jwt-payload}, echoes every data frame and ends with trailers {@code grpc-status: 0}.
   */
  InetSocketAddress startApp() throws InterruptedException {
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
                    ch.pipeline()
                        .addLast(
                            new Http2MultiplexHandler(
                                new ChannelInitializer<Http2StreamChannel>() {
                                  @Override
                                  protected void initChannel(Http2StreamChannel s) {
                                    s.pipeline().addLast(new EchoStream());
                                  }
                                }));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    return (InetSocketAddress) server.localAddress();
  }

  private static final class EchoStream extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean end;
      if (msg instanceof Http2HeadersFrame h) {
        Http2Headers response =
            new DefaultHttp2Headers()
                .status("200")
                .set("content-type", "application/grpc")
                .set("seen-xfcc", String.valueOf(h.headers().get("x-forwarded-client-cert")))
                .set("seen-xff", String.valueOf(h.headers().get("x-forwarded-for")))
                .set("seen-authorization", String.valueOf(h.headers().get("authorization")))
                .set("seen-jwt-payload", String.valueOf(h.headers().get("x-jwt-payload")));
        ctx.write(new DefaultHttp2HeadersFrame(response, false));
        end = h.isEndStream();
      } else if (msg instanceof Http2DataFrame d) {
        end = d.isEndStream();
        ctx.write(new DefaultHttp2DataFrame(d.content().retain(), false));
        d.release();
      } else {
        return;
      }
      if (end) {
        ctx.write(
            new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true));
      }
      ctx.flush();
    }
  }

  /** Opens an HTTP/2 connection (TLS with ALPN when {@code tls} is given, else h2c). */
  Channel connect(InetSocketAddress to, SslContext tls) throws InterruptedException {
    return connect(to, tls, new CompletableFuture<>());
  }

  /** As {@link #connect(InetSocketAddress, SslContext)}, completing {@code goAway} on a GOAWAY. */
  Channel connect(InetSocketAddress to, SslContext tls, CompletableFuture<Long> goAway)
      throws InterruptedException {
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel ch) {
                if (tls != null) {
                  ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                ch.pipeline()
                    .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                ch.pipeline()
                    .addLast(
                        new ChannelInboundHandlerAdapter() {
                          @Override
                          public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof Http2GoAwayFrame g) {
                              goAway.complete(g.errorCode());
                            }
                            io.netty.util.ReferenceCountUtil.release(msg);
                          }
                        });
              }
            })
        .connect(to)
        .sync()
        .channel();
  }

  /** Sends one request on a new stream and collects its response. */
  static CompletableFuture<Response> request(
      Channel connection, Http2Headers headers, String body) {
    if (body == null) {
      return request(connection, headers, true, stream -> stream.flush());
    }
    return request(
        connection,
        headers,
        false,
        stream ->
            stream.writeAndFlush(
                new DefaultHttp2DataFrame(
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), true)));
  }

  /**
   * Sends the request's headers on a new stream, then lets {@code body} write the rest (it ends the
   * stream and flushes), and collects the response.
   */
  static CompletableFuture<Response> streamingRequest(
      Channel connection,
      Http2Headers headers,
      java.util.function.Consumer<Http2StreamChannel> body) {
    return request(connection, headers, false, body);
  }

  private static CompletableFuture<Response> request(
      Channel connection,
      Http2Headers headers,
      boolean endStream,
      java.util.function.Consumer<Http2StreamChannel> body) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    Http2Headers[] responseHeaders = new Http2Headers[1];
    int[] informational = new int[1];
    new Http2StreamChannelBootstrap(connection)
        .handler(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2HeadersFrame h) {
                  CharSequence status = h.headers().status();
                  if (responseHeaders[0] == null
                      && status != null
                      && status.length() == 3
                      && status.charAt(0) == '1') {
                    informational[0]++; // 100 Continue and the like: the answer comes after
                  } else if (responseHeaders[0] == null) {
                    responseHeaders[0] = h.headers();
                    if (h.isEndStream()) {
                      result.complete(new Response(h.headers(), "", null, informational[0]));
                    }
                  } else {
                    result.complete(
                        new Response(
                            responseHeaders[0],
                            received.toString(StandardCharsets.UTF_8),
                            h.headers(),
                            informational[0]));
                  }
                } else if (msg instanceof Http2DataFrame d) {
                  received.writeBytes(ByteBufUtil.getBytes(d.content()));
                  d.release();
                  if (d.isEndStream()) {
                    result.complete(
                        new Response(
                            responseHeaders[0],
                            received.toString(StandardCharsets.UTF_8),
                            null,
                            informational[0]));
                  }
                }
              }

              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                result.completeExceptionally(new IllegalStateException("stream closed"));
              }
            })
        .open()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
              }
              Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
              stream.write(new DefaultHttp2HeadersFrame(headers, endStream));
              body.accept(stream);
            });
    return result;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }
}
