package dev.jmesh.controlplane.internal.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Answers one debug request at a time per connection. {@code /ready} is answered on the event loop
 * (a flag read); every other page is rendered on the small page executor, so a slow
 * {@code config_dump} never holds up the loop that serves {@code /ready} and the other connections.
 * The connection reads nothing more until its answer is out, so answers keep the requests' order.
 */
final class DebugRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private final DebugPages pages;
  private final Executor pageExecutor;
  private final DebugHttpConnections connections;

  DebugRequestHandler(
      DebugPages pages, Executor pageExecutor, DebugHttpConnections connections) {
    this.pages = pages;
    this.pageExecutor = pageExecutor;
    this.connections = connections;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    ctx.pipeline().get(RequestDeadlines.class).headComplete();
    DecoderResult decoded = request.decoderResult();
    if (!decoded.isSuccess()) {
      connections.closed(DebugHttpConnections.Closed.BAD_REQUEST);
      send(ctx, rejected(decoded.cause()), false);
      return;
    }
    URI uri;
    try {
      uri = new URI(request.uri());
    } catch (URISyntaxException e) {
      send(ctx, DebugPage.text(400, "not a URI: " + e.getMessage() + "\n"), false);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    String path = uri.getPath() == null ? "" : uri.getPath();
    if (path.equals("/ready")) {
      send(ctx, pages.ready(), keepAlive);
      return;
    }
    ctx.channel().config().setAutoRead(false);
    String rawQuery = uri.getRawQuery();
    try {
      pageExecutor.execute(() -> send(ctx, pages.render(path, rawQuery), keepAlive));
    } catch (RejectedExecutionException busy) {
      send(ctx, DebugPage.text(503, "the debug pages are busy; retry in a moment\n"), false);
    }
  }

  private static DebugPage rejected(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return DebugPage.text(414, "request line too long: " + cause.getMessage() + "\n");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return DebugPage.text(431, "request headers too large: " + cause.getMessage() + "\n");
    }
    return DebugPage.text(400, "not an HTTP/1 request: " + cause.getMessage() + "\n");
  }

  /** Writes the answer (from any thread); then reads on, or closes. */
  private static void send(ChannelHandlerContext ctx, DebugPage page, boolean keepAlive) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(page.status()),
            Unpooled.wrappedBuffer(page.body().getBytes(StandardCharsets.UTF_8)));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, page.contentType());
    HttpUtil.setContentLength(response, response.content().readableBytes());
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.writeAndFlush(response)
        .addListener(
            (ChannelFutureListener)
                written -> {
                  if (!written.isSuccess()) {
                    written.channel().close();
                    return;
                  }
                  RequestDeadlines deadlines = ctx.pipeline().get(RequestDeadlines.class);
                  if (deadlines != null) {
                    deadlines.awaitNextRequest();
                  }
                  written.channel().config().setAutoRead(true);
                });
  }
}
