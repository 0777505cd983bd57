package dev.jmesh.instrumentation.netty.server.v4_1;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.ReadOnlyHttp2Headers;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2-only server the way grpc-netty builds one: an {@code Http2ConnectionHandler} with its
 * own frame listener, answering through the handler's encoder; no frames cross the pipeline. It
 * answers {@code path=<path> inbound=<x-jmesh-inbound> body=<body>} with a trailer.
 */
final class ConnectionHandlerServer implements AutoCloseable {

  final List<String> seen = new CopyOnWriteArrayList<>();
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel listener;

  ConnectionHandlerServer() throws InterruptedException {
    listener =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    Listener l = new Listener();
                    Http2ConnectionHandler h =
                        new Http2ConnectionHandlerBuilder().server(true).frameListener(l).build();
                    l.encoder = h.encoder();
                    ch.pipeline().addLast(h);
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  @Override
  public void close() throws InterruptedException {
    listener.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private final class Listener extends Http2FrameAdapter {
    Http2ConnectionEncoder encoder;
    private final Map<Integer, Http2Headers> requests = new ConcurrentHashMap<>();
    private final Map<Integer, StringBuilder> bodies = new ConcurrentHashMap<>();

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean end) {
      requests.put(streamId, headers);
      bodies.put(streamId, new StringBuilder());
      seen.add(headers.path().toString());
      if (end) {
        answer(ctx, streamId);
      }
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx,
        int streamId,
        Http2Headers headers,
        int dependency,
        short weight,
        boolean exclusive,
        int padding,
        boolean end) {
      onHeadersRead(ctx, streamId, headers, padding, end);
    }

    @Override
    public int onDataRead(
        ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean end) {
      int n = data.readableBytes() + padding;
      bodies.get(streamId).append(data.toString(StandardCharsets.UTF_8));
      if (end) {
        answer(ctx, streamId);
      }
      return n;
    }

    private void answer(ChannelHandlerContext ctx, int streamId) {
      Http2Headers request = requests.remove(streamId);
      CharSequence inbound = request.get("x-jmesh-inbound");
      String text =
          "path="
              + request.path()
              + " inbound="
              + (inbound == null ? "-" : inbound)
              + " body="
              + bodies.remove(streamId);
      // Read-only, as grpc-netty's: the mesh adds its response headers to a copy.
      encoder.writeHeaders(
          ctx,
          streamId,
          ReadOnlyHttp2Headers.serverHeaders(true, AsciiString.of("200")),
          0,
          false,
          ctx.newPromise());
      encoder.writeData(
          ctx,
          streamId,
          Unpooled.copiedBuffer(text, StandardCharsets.UTF_8),
          0,
          false,
          ctx.newPromise());
      encoder.writeHeaders(
          ctx,
          streamId,
          ReadOnlyHttp2Headers.trailers(true, AsciiString.of("grpc-status"), AsciiString.of("0")),
          0,
          true,
          ctx.newPromise());
      ctx.flush();
    }
  }
}
