package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.FirstBytes;
import dev.jmesh.dataplane.log.MeshLog;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * The first handler of a connection the application made to a mesh destination: reads the snapshot
 * once, then hands the connection to the TCP proxy (at once, so server-speaks-first protocols work)
 * or, for an HTTP destination, reads the first bytes to tell HTTP/1.1 from h2c prior knowledge and
 * installs that codec before {@link HttpExchange}. An unknown destination is closed.
 */
final class OutboundConnection extends ChannelInboundHandlerAdapter {

  private static final int SNIFF_BYTES = 24;

  private final OutboundRuntime rt;
  private final String destination;

  /** The mesh endpoint's IP the application connected to; {@code null}: a name or a service's. */
  private final InetSocketAddress endpoint;

  /** Set on every request when the client addressed a local port; {@code null}: left alone. */
  private final FixedAuthority authority;

  private ByteBuf first;

  OutboundConnection(
      OutboundRuntime rt,
      String destination,
      InetSocketAddress endpoint,
      FixedAuthority authority) {
    this.rt = rt;
    this.destination = destination;
    this.endpoint = endpoint;
    this.authority = authority;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    MeshSnapshot s = rt.snapshot();
    if (s.listener(destination) != null) {
      ctx.read();
    } else if (s.tcpListener(destination) != null) {
      ctx.pipeline().replace(this, "tcp", new TcpProxyConnection(rt, destination));
    } else {
      MeshLog.warnOnce(
          "outbound-unknown:" + destination,
          "connections to " + destination + " are closed: the mesh has no listener for it");
      ctx.close();
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (first == null) {
      first = in;
    } else {
      first = ctx.alloc().compositeBuffer().addComponents(true, first, in);
    }
    int n = Math.min(first.readableBytes(), SNIFF_BYTES);
    byte[] bytes = new byte[n];
    first.getBytes(first.readerIndex(), bytes);
    FirstBytes.Protocol p = FirstBytes.classify(bytes, 0, n);
    switch (p) {
      case NEED_MORE:
        ctx.read();
        return;
      case HTTP2:
        installHttp2(ctx.pipeline());
        break;
      case HTTP1:
        installHttp1(ctx.pipeline());
        break;
      default:
        MeshLog.warnOnce(
            "outbound-not-http:" + destination,
            "a connection to the HTTP destination "
                + destination
                + " did not speak HTTP/1.1 or h2c ("
                + p
                + "): closed");
        first.release();
        first = null;
        ctx.close();
        return;
    }
    ByteBuf buffered = first;
    first = null;
    ctx.pipeline().remove(this);
    ctx.channel().config().setAutoRead(true);
    ctx.fireChannelRead(buffered);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (first != null) {
      first.release();
      first = null;
    }
  }

  private void installHttp1(ChannelPipeline p) {
    int headers = rt.limits.maxRequestHeadersBytes();
    // A client that shuts its sending side after its request still gets the answer (HttpExchange
    // reads on while the response is awaited, so it sees the shutdown).
    p.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    p.addLast(new HttpServerCodec(headers, headers, 64 * 1024));
    if (authority != null) {
      p.addLast(authority);
    }
    p.addLast(new HttpExchange(rt, destination, endpoint, false));
  }

  private void installHttp2(ChannelPipeline p) {
    p.addLast(
        Http2FrameCodecBuilder.forServer()
            .initialSettings(
                Http2Settings.defaultSettings()
                    .maxHeaderListSize(rt.limits.maxRequestHeadersBytes()))
            .build());
    p.addLast(
        new Http2MultiplexHandler(
            new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                if (authority != null) {
                  ch.pipeline().addLast(authority);
                }
                ch.pipeline().addLast(new HttpExchange(rt, destination, endpoint, true));
              }
            }));
  }
}
