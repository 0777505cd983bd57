package dev.jmesh.proxy;

import dev.jmesh.dataplane.engine.FirstBytes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.util.List;
import java.util.function.Function;

/**
 * The first handler of a client connection to the HTTP proxy: its first bytes tell h2c with prior
 * knowledge ({@code curl --http2-prior-knowledge}, gRPC) from HTTP/1.1, as the engine's own
 * outbound listener tells them. HTTP/1.1 gets the HTTP codec and one {@link HttpProxyConnection};
 * h2c gets the HTTP/2 codec and one {@link HttpProxyConnection} per stream, which sees the stream
 * as an HTTP/1.1 exchange ({@code :authority} as its {@code Host}) and sends it on as one.
 */
final class ClientHttpVersion extends ByteToMessageDecoder {

  /** Istio's limit for a request head, which the engine's outbound side also applies. */
  static final int MAX_HEAD_BYTES = 60 * 1024;

  private static final int SNIFF_BYTES = 24;

  /**
   * A new connection handler for each HTTP/1.1 connection (given {@code null}) or HTTP/2 stream
   * (given the upstream connections the connection's streams share).
   */
  private final Function<StreamUpstreams, HttpProxyConnection> connections;

  ClientHttpVersion(Function<StreamUpstreams, HttpProxyConnection> connections) {
    this.connections = connections;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), SNIFF_BYTES);
    byte[] first = new byte[n];
    in.getBytes(in.readerIndex(), first);
    FirstBytes.Protocol protocol = FirstBytes.classify(first, 0, n);
    if (protocol == FirstBytes.Protocol.NEED_MORE) {
      return;
    }
    ChannelPipeline p = ctx.pipeline();
    if (protocol == FirstBytes.Protocol.HTTP2) {
      StreamUpstreams streams = new StreamUpstreams();
      ctx.channel().closeFuture().addListener(f -> streams.close());
      p.addAfter(
          ctx.name(),
          "h2",
          Http2FrameCodecBuilder.forServer()
              .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(MAX_HEAD_BYTES))
              .build());
      p.addAfter(
          "h2",
          "h2-streams",
          new Http2MultiplexHandler(
              new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                  stream
                      .pipeline()
                      .addLast(
                          new Http2StreamFrameToHttpObjectCodec(true),
                          connections.apply(streams));
                }
              }));
    } else {
      // Anything else is HTTP/1.1's to refuse: the codec marks it as a bad request.
      p.addAfter(
          ctx.name(), "codec", new HttpServerCodec(MAX_HEAD_BYTES, MAX_HEAD_BYTES, 64 * 1024));
      p.addAfter("codec", "http", connections.apply(null));
    }
    // Removing this decoder hands what it buffered to the codec just installed.
    p.remove(this);
  }
}
