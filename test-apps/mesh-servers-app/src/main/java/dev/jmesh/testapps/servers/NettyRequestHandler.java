package dev.jmesh.testapps.servers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Serves the shared endpoints from HTTP objects, for one HTTP/1.1 connection or one HTTP/2 stream.
 * Request bodies are counted chunk by chunk and released; nothing here blocks the loop.
 */
final class NettyRequestHandler extends ChannelInboundHandlerAdapter {

  private final String protocol;
  private final InFlight inFlight;

  private HttpRequest request;
  private long bodyBytes;

  NettyRequestHandler(String protocol, InFlight inFlight) {
    this.protocol = protocol;
    this.inFlight = inFlight;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest started) {
      if (isWebSocketUpgrade(started)) {
        switchToWebSocket(ctx, started);
        return;
      }
      request = started;
      bodyBytes = 0;
      inFlight.begin();
    }
    if (msg instanceof HttpContent content) {
      bodyBytes += content.content().readableBytes();
      if (content instanceof LastHttpContent && request != null) {
        HttpRequest complete = request;
        request = null;
        respond(ctx, complete);
      }
    }
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    // A request cut off before its end would otherwise hold a graceful stop for the full grace.
    if (request != null) {
      request = null;
      inFlight.end();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private boolean isWebSocketUpgrade(HttpRequest started) {
    return protocol.equals("HTTP/1.1")
        && new QueryStringDecoder(started.uri()).path().equals("/ws")
        && started
            .headers()
            .containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  /** Hands the connection to Netty's WebSocket handlers, replaying the upgrade request to them. */
  private void switchToWebSocket(ChannelHandlerContext ctx, HttpRequest started) {
    FullHttpRequest full =
        started instanceof FullHttpRequest already
            ? already
            : new DefaultFullHttpRequest(
                started.protocolVersion(),
                started.method(),
                started.uri(),
                Unpooled.EMPTY_BUFFER,
                started.headers(),
                EmptyHttpHeaders.INSTANCE);
    // The h2c upgrade handler has no business on a WebSocket connection.
    if (ctx.pipeline().get(HttpServerUpgradeHandler.class) != null) {
      ctx.pipeline().remove(HttpServerUpgradeHandler.class);
    }
    ctx.pipeline()
        .addAfter(ctx.name(), "ws-protocol", new WebSocketServerProtocolHandler("/ws"))
        .addAfter("ws-protocol", "ws-echo", new NettyWebSocketEcho());
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(full);
  }

  private void respond(ChannelHandlerContext ctx, HttpRequest complete) {
    QueryStringDecoder uri = new QueryStringDecoder(complete.uri());
    String path = uri.path();
    boolean keepAlive = HttpUtil.isKeepAlive(complete);
    HttpMethod method = complete.method();
    if (method.equals(HttpMethod.POST) && path.equals("/upload")) {
      sendText(ctx, "received=" + bodyBytes + "\n", keepAlive);
    } else if (method.equals(HttpMethod.GET) && path.equals("/download")) {
      download(ctx, Payload.queryLong(uri.rawQuery(), "bytes", 0), keepAlive);
    } else if (path.equals("/slow")) {
      long millis = Payload.queryLong(uri.rawQuery(), "ms", 0);
      // Scheduled on the loop rather than slept on it: other requests keep flowing meanwhile.
      ctx.executor()
          .schedule(
              () -> sendText(ctx, "slow=" + millis + "\n", keepAlive),
              millis,
              TimeUnit.MILLISECONDS);
    } else {
      sendText(ctx, report(ctx, complete), keepAlive);
    }
  }

  private String report(ChannelHandlerContext ctx, HttpRequest complete) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (Map.Entry<String, String> header : complete.headers()) {
      // Netty's HTTP/2-to-HTTP/1 conversion adds x-http2-* bookkeeping headers nobody sent.
      if (!header.getKey().regionMatches(true, 0, "x-http2-", 0, 8)) {
        headers.add(new AbstractMap.SimpleEntry<>(header.getKey(), header.getValue()));
      }
    }
    return RequestReport.render(
        "netty",
        complete.method().name(),
        complete.uri(),
        protocol,
        RequestReport.peer((InetSocketAddress) ctx.channel().remoteAddress()),
        // Netty's HTTP/2 conversion already turns :authority into a Host header.
        null,
        headers);
  }

  private void sendText(ChannelHandlerContext ctx, String text, boolean keepAlive) {
    ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    HttpUtil.setContentLength(response, body.readableBytes());
    HttpUtil.setKeepAlive(response, keepAlive);
    finish(ctx.writeAndFlush(response), keepAlive);
  }

  private void download(ChannelHandlerContext ctx, long bytes, boolean keepAlive) {
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
    HttpUtil.setContentLength(response, bytes);
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.write(response);
    // ChunkedWriteHandler pulls chunks only while the channel is writable: no full buffer.
    finish(ctx.writeAndFlush(new HttpChunkedInput(new PatternInput(bytes))), keepAlive);
  }

  private void finish(ChannelFuture written, boolean keepAlive) {
    written.addListener(f -> inFlight.end());
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** {@code bytes} bytes of {@link Payload}'s pattern, one wrapped (not copied) chunk at a time. */
  private static final class PatternInput implements ChunkedInput<ByteBuf> {

    private final long length;
    private long progress;

    PatternInput(long length) {
      this.length = length;
    }

    @Override
    public boolean isEndOfInput() {
      return progress >= length;
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
      if (isEndOfInput()) {
        return null;
      }
      int n = (int) Math.min(length - progress, Payload.CHUNK);
      progress += n;
      return Unpooled.wrappedBuffer(Payload.CHUNK_BYTES, 0, n);
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public long progress() {
      return progress;
    }
  }
}
