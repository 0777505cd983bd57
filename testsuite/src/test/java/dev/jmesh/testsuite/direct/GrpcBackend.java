package dev.jmesh.testsuite.direct;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC pod (h2c with prior knowledge, as gRPC clients speak it) answering any method: a healthy
 * pod's reply is one message {@code pod=<name>\nhost=<:authority>\n} with {@code grpc-status: 0}. A
 * pod told to {@link #answer} another status answers it as an HTTP {@code :status} with that text
 * as a plain body, which is what a failing pod behind a gRPC-unaware proxy looks like: grpc-java
 * reports it as {@code UNAVAILABLE} (503) or {@code UNKNOWN} (500) naming the HTTP status, and
 * Istio's {@code retryOn: 5xx}, {@code consecutive5xxErrors} and {@code abort.httpStatus} apply to
 * it unchanged, as Envoy applies them to the HTTP status of a gRPC response. Delays run on the
 * event loop's timer, so a slow answer holds no thread.
 */
final class GrpcBackend extends CountingBackend {

  private final String pod;
  private final EventLoopGroup loops =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private Channel server;

  private GrpcBackend(String pod) {
    this.pod = pod;
  }

  static GrpcBackend start(String pod, String ip) throws InterruptedException {
    GrpcBackend backend = new GrpcBackend(pod);
    backend.server =
        new ServerBootstrap()
            .group(backend.loops)
            .channel(NioServerSocketChannel.class)
            .childHandler(backend.connection())
            .bind(ip, 0)
            .sync()
            .channel();
    return backend;
  }

  private ChannelInitializer<SocketChannel> connection() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline()
            .addLast(
                Http2FrameCodecBuilder.forServer().build(),
                new Http2MultiplexHandler(
                    new ChannelInitializer<Http2StreamChannel>() {
                      @Override
                      protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast(new Rpc());
                      }
                    }));
      }
    };
  }

  /** One RPC (one HTTP/2 stream): answered once the request's last frame is in. */
  private final class Rpc extends ChannelInboundHandlerAdapter {

    private Http2Headers headers;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        boolean end = false;
        if (msg instanceof Http2HeadersFrame h) {
          headers = h.headers();
          end = h.isEndStream();
        } else if (msg instanceof Http2DataFrame d) {
          end = d.isEndStream();
        }
        if (end && headers != null) {
          received(ctx);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void received(ChannelHandlerContext ctx) {
      requests.incrementAndGet();
      // Per RPC, as the HTTP pod counts: counters cleared mid-connection still see it.
      connections.add(ctx.channel().parent().remoteAddress());
      Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      headers.forEach(
          e -> {
            String name = e.getKey().toString();
            if (!name.startsWith(":")) {
              seen.merge(name, e.getValue().toString(), (a, b) -> a + "," + b);
            }
          });
      lastHeaders.set(seen);
      byte[] body =
          ("pod=" + pod + "\nhost=" + headers.authority() + "\n").getBytes(StandardCharsets.UTF_8);
      int answer = status.get();
      Runnable reply = () -> reply(ctx, answer, body);
      long delay = delayMillis.get();
      if (delay > 0) {
        ctx.executor().schedule(reply, delay, TimeUnit.MILLISECONDS);
      } else {
        reply.run();
      }
    }

    private void reply(ChannelHandlerContext ctx, int answer, byte[] body) {
      if (!ctx.channel().isActive()) {
        return; // the client gave up on this RPC (a per-try timeout reset the stream)
      }
      if (answer == 200) {
        ctx.write(
            new DefaultHttp2HeadersFrame(
                new DefaultHttp2Headers().status("200").set("content-type", "application/grpc")));
        ByteBuf message = ctx.alloc().buffer(5 + body.length);
        message.writeByte(0).writeInt(body.length).writeBytes(body);
        ctx.write(new DefaultHttp2DataFrame(message));
        ctx.writeAndFlush(
            new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true));
      } else {
        ctx.write(
            new DefaultHttp2HeadersFrame(
                new DefaultHttp2Headers()
                    .status(Integer.toString(answer))
                    .set("content-type", "text/plain")));
        ByteBuf text = ctx.alloc().buffer(body.length).writeBytes(body);
        ctx.writeAndFlush(new DefaultHttp2DataFrame(text, true));
      }
    }
  }

  @Override
  public String pod() {
    return pod;
  }

  @Override
  public String ip() {
    return ((InetSocketAddress) server.localAddress()).getAddress().getHostAddress();
  }

  @Override
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
