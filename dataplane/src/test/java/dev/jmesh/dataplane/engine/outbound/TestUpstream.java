package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.identity.SpiffeId;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small upstream service on a loopback ephemeral port: HTTP/1.1 or h2c (prior knowledge), plain
 * or TLS. It answers {@code name} and reports what it saw; {@code /fail} answers 503, {@code
 * /close} answers with {@code Connection: close} but leaves the connection open, {@code /slow}
 * answers after 2 s, {@code /big?bytes=N} streams N bytes as the connection can take them, {@code
 * /grpc} answers like a gRPC server (trailers with {@code grpc-status}).
 */
final class TestUpstream implements AutoCloseable {

  final String name;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger connections = new AtomicInteger();

  /** Connections that have closed, from either end. */
  final AtomicInteger closedConnections = new AtomicInteger();
  final ConcurrentLinkedQueue<HttpHeaders> seen = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> uris = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> peers = new ConcurrentLinkedQueue<>();

  /** Body bytes {@code /big} has handed to its connections so far. */
  final AtomicLong produced = new AtomicLong();

  volatile boolean failAll;

  /** Answer one request per connection and drop the connection at the next, unanswered. */
  volatile boolean oneRequestPerConnection;

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  TestUpstream(String name, boolean h2, SslContext tls) throws InterruptedException {
    this.name = name;
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    connections.incrementAndGet();
                    ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                    if (h2) {
                      ch.pipeline()
                          .addLast(
                              Http2FrameCodecBuilder.forServer().build(),
                              new Http2MultiplexHandler(
                                  new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel s) {
                                      s.pipeline()
                                          .addLast(
                                              new Http2StreamFrameToHttpObjectCodec(true),
                                              new HttpObjectAggregator(32 << 20),
                                              new ChunkedWriteHandler(),
                                              new Service(ch));
                                    }
                                  }));
                    } else {
                      ch.pipeline()
                          .addLast(
                              new HttpServerCodec(),
                              new HttpObjectAggregator(32 << 20),
                              new ChunkedWriteHandler(),
                              new Service(ch));
                    }
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  private final class Service extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Channel connection;
    private int served;

    Service(Channel connection) {
      this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
      if (oneRequestPerConnection && served++ > 0) {
        connection.close();
        return;
      }
      requests.incrementAndGet();
      seen.add(req.headers().copy());
      uris.add(req.uri());
      SslHandler ssl = connection.pipeline().get(SslHandler.class);
      if (ssl != null) {
        X509Certificate peer = (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
        for (List<?> san : peer.getSubjectAlternativeNames()) {
          if ((Integer) san.get(0) == 6) {
            peers.add(SpiffeId.parse((String) san.get(1)).toString());
          }
        }
      }
      String path = req.uri();
      if (path.startsWith("/slow")) {
        ctx.executor().schedule(() -> reply(ctx, 200, name), 2, TimeUnit.SECONDS);
      } else if (path.startsWith("/fail") || failAll) {
        reply(ctx, 503, name + " failed");
      } else if (path.startsWith("/close")) {
        // Says the connection closes, and leaves it to the client to close it.
        FullHttpResponse r =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setContentLength(r, 0);
        r.headers().set(HttpHeaderNames.CONNECTION, "close");
        ctx.writeAndFlush(r);
      } else if (path.startsWith("/count")) {
        reply(ctx, 200, Integer.toString(req.content().readableBytes()));
      } else if (path.startsWith("/big")) {
        long bytes = Long.parseLong(path.substring(path.indexOf('=') + 1));
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setContentLength(r, bytes);
        ctx.write(r);
        ctx.writeAndFlush(new HttpChunkedInput(new Zeros(bytes, produced)));
      } else if (path.startsWith("/grpc")) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
        ctx.write(r);
        ctx.write(
            new io.netty.handler.codec.http.DefaultHttpContent(
                Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 1, 42})));
        LastHttpContent end = new DefaultLastHttpContent();
        end.trailingHeaders().set("grpc-status", "7").set("grpc-message", "denied by " + name);
        ctx.writeAndFlush(end);
      } else {
        reply(ctx, 200, name + " " + req.content().toString(StandardCharsets.UTF_8));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // E.g. a client refusing this server's certificate: the test on the client side says so.
      ctx.close();
    }

    private void reply(ChannelHandlerContext ctx, int status, String body) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(status),
              Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      HttpUtil.setContentLength(r, r.content().readableBytes());
      r.headers().set("x-envoy-peer-metadata", "upstream-metadata");
      r.headers().set("x-served-by", name);
      ctx.writeAndFlush(r);
    }
  }

  /** N zero bytes in 16 KiB chunks, produced only as the connection takes them. */
  private static final class Zeros implements ChunkedInput<ByteBuf> {
    private final long total;
    private final AtomicLong counted;
    private long produced;

    Zeros(long total, AtomicLong counted) {
      this.total = total;
      this.counted = counted;
    }

    @Override
    public boolean isEndOfInput() {
      return produced >= total;
    }

    @Override
    public void close() {}

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) {
      return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) {
      int n = (int) Math.min(16 * 1024, total - produced);
      produced += n;
      counted.addAndGet(n);
      return allocator.buffer(n).writeZero(n);
    }

    @Override
    public long length() {
      return total;
    }

    @Override
    public long progress() {
      return produced;
    }
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
