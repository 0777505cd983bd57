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
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * An HTTP/2 upstream, over h2c (HTTP/1.1 {@code Upgrade}, as the JDK's client does on {@code
 * http://}) or mutual TLS with ALPN; records each stream's {@code :authority}, path, connection and
 * TLS peer.
 */
final class Http2Backend implements AutoCloseable {

  /** One stream: its {@code :authority}, {@code :path}, connection and TLS peer (or "none"). */
  record Stream(String authority, String path, String connection, String peer) {}

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  private final String name;
  private final List<Stream> streams = new CopyOnWriteArrayList<>();

  /** An h2c upstream: HTTP/1.1 with {@code Upgrade: h2c}, as the JDK's client asks on http://. */
  Http2Backend(String ip, String name) throws InterruptedException, java.io.IOException {
    this(ip, name, null);
  }

  /**
   * With {@code tls}: an upstream that speaks only mutual TLS with ALPN {@code h2}, as a meshed
   * server's inbound does; without: h2c.
   */
  Http2Backend(String ip, String name, SslContext tls)
      throws InterruptedException, java.io.IOException {
    this.name = name;
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                      ch.pipeline()
                          .addLast(
                              tls.newHandler(ch.alloc()),
                              Http2FrameCodecBuilder.forServer().build(),
                              new Http2MultiplexHandler(new StreamHandler()));
                      return;
                    }
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
                  ctx.channel().parent().id().asShortText(),
                  peerOf(ctx.channel().parent())));
          ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
          ctx.writeAndFlush(
              new DefaultHttp2DataFrame(Unpooled.copiedBuffer(name, StandardCharsets.UTF_8), true));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  private static String peerOf(Channel connection) {
    SslHandler tls = connection.pipeline().get(SslHandler.class);
    if (tls == null) {
      return "none";
    }
    try {
      return ((X509Certificate) tls.engine().getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    } catch (SSLPeerUnverifiedException e) {
      return "unverified";
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
