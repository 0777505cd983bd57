package dev.jmesh.dataplane.trace;

import dev.jmesh.dataplane.MeshThreads;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/HTTP with protobuf bodies ({@code POST /v1/traces}, {@code application/x-protobuf}), one
 * connection per export: the exporter sends a batch at most every few hundred milliseconds, so a
 * pooled connection would save little. Netty on the mesh's own threads ({@link MeshThreads}), so in
 * an agent its sockets never reach the hooks.
 */
final class HttpSpanTransport implements SpanTransport {

  private static final int MAX_RESPONSE_BYTES = 64 * 1024;

  private final GrpcSpanTransport.Resolver resolver;
  private EventLoopGroup eventLoop;

  HttpSpanTransport(GrpcSpanTransport.Resolver resolver) {
    this.resolver = resolver;
  }

  @Override
  public void export(SpanTarget target, ExportTraceServiceRequest request) throws ExportFailure {
    String endpoint = resolver.resolve(target);
    int colon = endpoint.lastIndexOf(':');
    String host = endpoint.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(colon + 1));
    } catch (RuntimeException e) {
      throw new ExportFailure("bad-endpoint", "endpoint " + endpoint + " is not host:port");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (eventLoop == null) {
      eventLoop =
          new MultiThreadIoEventLoopGroup(
              1, MeshThreads.factory("trace-http"), NioIoHandler.newFactory());
    }
    CompletableFuture<Integer> status = new CompletableFuture<>();
    Bootstrap b =
        new Bootstrap()
            .group(eventLoop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) target.timeoutMillis())
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(MAX_RESPONSE_BYTES))
                        .addLast(
                            new SimpleChannelInboundHandler<FullHttpResponse>() {
                              @Override
                              protected void channelRead0(
                                  ChannelHandlerContext ctx, FullHttpResponse response) {
                                status.complete(response.status().code());
                                ctx.close();
                              }

                              @Override
                              public void channelInactive(ChannelHandlerContext ctx) {
                                status.completeExceptionally(
                                    new IllegalStateException(
                                        "connection closed before a response"));
                              }

                              @Override
                              public void exceptionCaught(ChannelHandlerContext ctx, Throwable e) {
                                status.completeExceptionally(e);
                                ctx.close();
                              }
                            });
                  }
                });
    byte[] body = request.toByteArray();
    String authority = target.authority() == null ? endpoint : target.authority();
    Channel channel = null;
    try {
      channel = b.connect(host, port).sync().channel();
      FullHttpRequest post =
          new DefaultFullHttpRequest(
              HttpVersion.HTTP_1_1,
              HttpMethod.POST,
              target.httpPath(),
              Unpooled.wrappedBuffer(body));
      post.headers()
          .set(HttpHeaderNames.HOST, authority)
          .set(HttpHeaderNames.CONTENT_TYPE, "application/x-protobuf")
          .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.CONNECTION, "close");
      channel.writeAndFlush(post);
      int code = status.get(target.timeoutMillis(), TimeUnit.MILLISECONDS);
      if (code / 100 != 2) {
        throw new ExportFailure(
            "http-" + code, "OTLP/HTTP export to " + endpoint + " answered " + code);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExportFailure("interrupted", "OTLP/HTTP export to " + endpoint + " interrupted");
    } catch (ExportFailure e) {
      throw e;
    } catch (Exception e) {
      // Netty's sync() rethrows a failed connect's ConnectException undeclared.
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new ExportFailure(
          cause.getClass().getSimpleName(),
          "OTLP/HTTP export to " + endpoint + " failed: " + cause);
    } finally {
      if (channel != null) {
        channel.close();
      }
    }
  }
}
