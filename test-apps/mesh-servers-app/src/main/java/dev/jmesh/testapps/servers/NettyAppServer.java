package dev.jmesh.testapps.servers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@code netty}: Netty 4 serving HTTP/1.1, h2c (Upgrade and prior knowledge) and WebSocket on one
 * port. HTTP/2 streams are turned back into HTTP objects so one {@link NettyRequestHandler} serves
 * both protocols.
 */
final class NettyAppServer implements AppServer {

  private final InFlight inFlight = new InFlight();
  private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
  private Channel listener;

  @Override
  public int start(String bindHost, int port) throws InterruptedException {
    listener =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    initConnection(channel.pipeline());
                  }
                })
            .bind(bindHost, port)
            .sync()
            .channel();
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  @Override
  public void stopGracefully() throws InterruptedException {
    listener.close().sync();
    inFlight.awaitIdle();
    workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
  }

  private void initConnection(ChannelPipeline pipeline) {
    HttpServerCodec http1 = new HttpServerCodec();
    HttpServerUpgradeHandler upgrade =
        new HttpServerUpgradeHandler(
            http1,
            protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                    ? new Http2ServerUpgradeCodec(
                        Http2FrameCodecBuilder.forServer().build(),
                        new Http2MultiplexHandler(streamInitializer()))
                    : null);
    ChannelInitializer<Channel> priorKnowledge =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel channel) {
            channel
                .pipeline()
                .addLast(
                    Http2FrameCodecBuilder.forServer().build(),
                    new Http2MultiplexHandler(streamInitializer()));
          }
        };
    pipeline.addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge));
    pipeline.addLast(new Http1Fallback());
  }

  private ChannelInitializer<Channel> streamInitializer() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel stream) {
        stream
            .pipeline()
            .addLast(
                new Http2StreamFrameToHttpObjectCodec(true),
                new HttpServerExpectContinueHandler(),
                new ChunkedWriteHandler(),
                new NettyRequestHandler("HTTP/2.0", inFlight));
      }
    };
  }

  /**
   * Reached only when the connection stayed HTTP/1.1 (no preface, no h2c upgrade): installs the
   * HTTP/1 handlers then steps aside. On HTTP/2 connections it never sees a message it handles.
   */
  private final class Http1Fallback extends SimpleChannelInboundHandler<HttpMessage> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpMessage message) {
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.addAfter(ctx.name(), null, new NettyRequestHandler("HTTP/1.1", inFlight));
      pipeline.addAfter(ctx.name(), null, new ChunkedWriteHandler());
      pipeline.addAfter(ctx.name(), null, new HttpServerExpectContinueHandler());
      pipeline.remove(this);
      ctx.fireChannelRead(ReferenceCountUtil.retain(message));
    }
  }
}
