package dev.jmesh.instrumentation.netty.server.v4_1;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application's own Netty HTTP server, as an application writes it (codec, aggregator, handler),
 * on the Netty under test: it answers {@code path=<path> inbound=<x-jmesh-inbound>
 * xfcc=<x-forwarded-client-cert> body=<body>} and records the paths it saw.
 */
final class AppServer implements AutoCloseable {

  final List<String> seen = new CopyOnWriteArrayList<>();

  /** Connections the application saw open ({@code channelActive}). */
  final AtomicInteger opened = new AtomicInteger();

  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup workers = new NioEventLoopGroup(2);
  private final Channel listener;

  AppServer() throws InterruptedException {
    this(false);
  }

  /**
   * {@code http2}: also HTTP/2 in the clear, by prior knowledge or an h2c upgrade, each stream
   * turned back into HTTP objects for the same handler (as the mesh-servers-app netty kind does).
   */
  AppServer(boolean http2) throws InterruptedException {
    listener =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (http2) {
                      ch.pipeline().addLast(http2OrHttp1());
                    } else {
                      ch.pipeline().addLast(new HttpServerCodec());
                    }
                    ch.pipeline()
                        .addLast(new HttpObjectAggregator(1 << 20))
                        .addLast(new Handler("HTTP/1.1"));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  private ChannelHandler http2OrHttp1() {
    HttpServerCodec http1 = new HttpServerCodec();
    HttpServerUpgradeHandler upgrade =
        new HttpServerUpgradeHandler(
            http1,
            protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                    ? new Http2ServerUpgradeCodec(
                        Http2FrameCodecBuilder.forServer().build(),
                        new Http2MultiplexHandler(streams()))
                    : null);
    ChannelInitializer<Channel> priorKnowledge =
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline()
                .addLast(
                    Http2FrameCodecBuilder.forServer().build(),
                    new Http2MultiplexHandler(streams()));
          }
        };
    return new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge);
  }

  private ChannelInitializer<Channel> streams() {
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel stream) {
        stream
            .pipeline()
            .addLast(
                new Http2StreamFrameToHttpObjectCodec(true),
                new HttpObjectAggregator(1 << 20),
                new Handler("HTTP/2"));
      }
    };
  }

  int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  @Override
  public void close() throws InterruptedException {
    listener.close().sync();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final String protocol;

    Handler(String protocol) {
      this.protocol = protocol;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      opened.incrementAndGet();
      ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      seen.add(request.uri());
      String text =
          "protocol="
              + protocol
              + " path="
              + request.uri()
              + " inbound="
              + request.headers().get("x-jmesh-inbound", "-")
              + " xfcc="
              + request.headers().get("x-forwarded-client-cert", "-")
              + " body="
              + request.content().toString(StandardCharsets.UTF_8);
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              request.protocolVersion(),
              HttpResponseStatus.OK,
              Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      HttpUtil.setKeepAlive(response, keepAlive);
      if (keepAlive) {
        ctx.writeAndFlush(response);
      } else {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
