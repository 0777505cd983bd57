package dev.jmesh.dataplane.engine.inbound;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * One downstream HTTP/2 connection (h2 by ALPN, or h2c with prior knowledge): each stream is an
 * {@link Http2StreamExchange}, and all of them share one h2c connection to the application, opened
 * with the first stream (gRPC servers speak HTTP/2 only). A drain sends GOAWAY; closing either
 * connection closes the other.
 */
final class Http2Downstream extends ChannelInboundHandlerAdapter {

  private final ServedPort port;
  private final InboundChain chain;
  private final DownstreamPeer peer;
  private final InboundTraffic traffic;
  private Channel downstream;
  private Promise<Channel> application;

  private Http2Downstream(ServedPort port, InboundChain chain, DownstreamPeer peer) {
    this.port = port;
    this.chain = chain;
    this.peer = peer;
    this.traffic = new InboundTraffic(port.engine().context(), peer);
  }

  static void install(ServedPort port, ChannelPipeline p, InboundChain chain, DownstreamPeer peer) {
    Http2Downstream connection = new Http2Downstream(port, chain, peer);
    p.addLast(
        "h2",
        Http2FrameCodecBuilder.forServer()
            .initialSettings(
                Http2Settings.defaultSettings()
                    .maxHeaderListSize(port.engine().limits().maxRequestHeadersBytes()))
            .build());
    p.addLast(
        "h2-streams",
        new Http2MultiplexHandler(
            new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamExchange(connection));
              }
            }));
    p.addLast("h2-connection", connection);
  }

  ServedPort port() {
    return port;
  }

  InboundChain chain() {
    return chain;
  }

  DownstreamPeer peer() {
    return peer;
  }

  InboundTraffic traffic() {
    return traffic;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    downstream = ctx.channel();
  }

  /** The h2c connection to the application, opened on first use; on the downstream's loop. */
  Future<Channel> application() {
    if (application != null && (!application.isDone() || isActive(application))) {
      return application;
    }
    Promise<Channel> promise = downstream.eventLoop().newPromise();
    application = promise;
    ChannelFuture dialed =
        port.dialer()
            .dial(
                downstream.eventLoop(),
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                    ch.pipeline()
                        .addLast(
                            new Http2MultiplexHandler(
                                new ChannelInboundHandlerAdapter() {
                                  @Override
                                  public void channelRead(ChannelHandlerContext c, Object msg) {
                                    // The application may not push streams to the engine.
                                    ReferenceCountUtil.release(msg);
                                    c.close();
                                  }
                                }));
                  }
                });
    dialed.addListener(
        f -> {
          if (f.isSuccess()) {
            Channel app = dialed.channel();
            app.closeFuture().addListener(c -> downstream.close());
            if (!downstream.isActive()) {
              app.close();
            }
            promise.setSuccess(app);
          } else {
            promise.setFailure(f.cause());
          }
        });
    return promise;
  }

  private static boolean isActive(Future<Channel> f) {
    return f.isSuccess() && f.getNow().isActive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == InboundEngine.DRAIN) {
      ctx.channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (application != null && application.isSuccess()) {
      application.getNow().close();
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
