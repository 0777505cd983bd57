package dev.jmesh.instrumentation.jdkhttpclient;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP/2 upstream that clients reach over h2c (HTTP/1.1 {@code Upgrade}, as the JDK's client
 * does on {@code http://}); records each stream's {@code :authority}, path and connection.
 */
final class H2cBackend implements AutoCloseable {

  record Stream(String authority, String path, String connection) {}

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  private final String name;
  private final List<Stream> streams = new CopyOnWriteArrayList<>();

  H2cBackend(String ip, String name) throws InterruptedException, java.io.IOException {
    this.name = name;
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    HttpServerCodec http1 = new HttpServerCodec();
                    ch.pipeline()
                        .addLast(
                            http1,
                            new HttpServerUpgradeHandler(
                                http1,
                                protocol ->
                                    AsciiString.contentEquals(
                                            Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                        ? new Http2ServerUpgradeCodec(
                                            Http2FrameCodecBuilder.forServer().build(),
                                            new Http2MultiplexHandler(new StreamHandler()))
                                        : null));
                  }
                })
            .bind(new InetSocketAddress(InetAddress.getByName(ip), 0))
            .sync()
            .channel();
  }

  /** Answers each stream with the backend's name. Shared: it keeps no state of its own. */
  @io.netty.channel.ChannelHandler.Sharable
  private final class StreamHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
          streams.add(
              new Stream(
                  String.valueOf(headers.headers().authority()),
                  String.valueOf(headers.headers().path()),
                  ctx.channel().parent().id().asShortText()));
          ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
          ctx.writeAndFlush(
              new DefaultHttp2DataFrame(Unpooled.copiedBuffer(name, StandardCharsets.UTF_8), true));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  List<Stream> streams() {
    return streams;
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }
}
