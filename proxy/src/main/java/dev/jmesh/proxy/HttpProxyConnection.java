package dev.jmesh.proxy;

import dev.jmesh.dataplane.engine.Http2StreamRequests;
import dev.jmesh.dataplane.log.MeshLog;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One client connection to the explicit HTTP proxy ({@code HTTP_PROXY=http://127.0.0.1:15001}). An
 * absolute-form request ({@code GET http://reviews:9080/x}) goes out in origin form to where {@link
 * OutboundDestinations} sends {@code reviews:9080}: for a mesh service, the engine's outbound
 * listener, which routes it exactly as it routes the agent's captured calls. The connection keeps
 * one upstream connection and replaces it when a request names another destination; requests are
 * handled one at a time (the client is not read between the end of a request and the end of its
 * response). {@code CONNECT host:port} hands the connection to a {@link ConnectTunnel}. On an h2c
 * connection ({@link ClientHttpVersion}) there is one per stream, the stream seen as one HTTP/1.1
 * exchange whose destination is its {@code :authority}.
 */
final class HttpProxyConnection extends ChannelInboundHandlerAdapter {

  private final OutboundDestinations destinations;
  private final UpstreamDialer dialer;

  /**
   * For a stream of an h2c connection: the upstream connections its streams share, which this
   * stream takes one from and leaves its own in once its exchange ended cleanly; {@code null} for
   * an HTTP/1.1 connection, which keeps its one upstream connection itself.
   */
  private final StreamUpstreams shared;

  private ChannelHandlerContext ctx;
  private Channel upstream;
  private String upstreamKey;

  /** What the client sent while the upstream connection was being opened. */
  private final ArrayDeque<Object> pending = new ArrayDeque<>();

  private boolean connecting;

  /**
   * From a request until its response ends: the client is not read meanwhile, once its request is
   * in.
   */
  private boolean exchangeActive;

  private boolean requestComplete;
  private boolean closeAfterResponse;
  private boolean responseStarted;

  HttpProxyConnection(OutboundDestinations destinations, UpstreamDialer dialer) {
    this(destinations, dialer, null);
  }

  /** A stream of an h2c client's connection, sharing {@code shared} with its other streams. */
  HttpProxyConnection(
      OutboundDestinations destinations, UpstreamDialer dialer, StreamUpstreams shared) {
    this.destinations = destinations;
    this.dialer = dialer;
    this.shared = shared;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      onRequest(request);
    } else if (msg instanceof HttpContent content) {
      forward(content);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(HttpRequest request) {
    // Paused until the upstream connection is there; the body then streams through.
    ctx.channel().config().setAutoRead(false);
    responseStarted = false;
    exchangeActive = true;
    requestComplete = request instanceof LastHttpContent;
    if (request.decoderResult().isFailure()) {
      ReferenceCountUtil.release(request);
      replyAndClose(HttpResponseStatus.BAD_REQUEST, "the request is not valid HTTP/1.1");
      return;
    }
    boolean h2 = ctx.channel() instanceof Http2StreamChannel;
    if (h2) {
      Http2StreamRequests.asHttp1(request, !(request instanceof LastHttpContent));
    }
    if (request.method().equals(HttpMethod.CONNECT) && h2) {
      ReferenceCountUtil.release(request);
      replyAndClose(
          HttpResponseStatus.NOT_IMPLEMENTED,
          "CONNECT over HTTP/2 is not supported here; send CONNECT over HTTP/1.1");
      return;
    }
    if (h2 && request.uri().startsWith("/") && request.headers().contains(HttpHeaderNames.HOST)) {
      // HTTP/2 has no absolute form: a client of a proxy names the destination in :authority,
      // which arrives here as Host.
      request.setUri("http://" + request.headers().get(HttpHeaderNames.HOST) + request.uri());
    }
    if (request.method().equals(HttpMethod.CONNECT)) {
      ReferenceCountUtil.release(request);
      if (ConnectTunnel.hostAndPort(request.uri()) == null) {
        replyAndClose(
            HttpResponseStatus.BAD_REQUEST, "CONNECT needs host:port, not " + request.uri());
        return;
      }
      if (upstream != null) {
        upstream.close();
        upstream = null;
      }
      ctx.pipeline()
          .replace(this, "connect", new ConnectTunnel(request.uri(), destinations, dialer));
      return;
    }
    URI uri;
    try {
      uri = new URI(request.uri());
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null || !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      ReferenceCountUtil.release(request);
      replyAndClose(
          HttpResponseStatus.BAD_REQUEST,
          "this is the mesh's HTTP proxy: send absolute-form requests (GET http://reviews:9080/"
              + " HTTP/1.1), as clients with HTTP_PROXY do, or CONNECT host:port");
      return;
    }
    request.setUri(originForm(uri));
    if (!request.headers().contains(HttpHeaderNames.HOST)) {
      request.headers().set(HttpHeaderNames.HOST, uri.getRawAuthority());
    }
    send(request, uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
  }

  private static String originForm(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  /**
   * Sends the request over the upstream connection for {@code host:port}, opening one if needed.
   */
  private void send(HttpRequest request, String host, int port) {
    // Hop-by-hop headers meant for this proxy, not for the service.
    request.headers().remove("proxy-connection");
    request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    closeAfterResponse = !HttpUtil.isKeepAlive(request);
    String key = host + ":" + port;
    if (!UpstreamDialer.usable(upstream) || !key.equals(upstreamKey)) {
      if (upstream != null) {
        upstream.close();
      }
      upstreamKey = key;
      upstream = takeIdle(key);
      if (upstream == null) {
        connecting = true;
        pending.add(request);
        destinations
            .resolve(host, port)
            .whenComplete(
                (target, error) ->
                    ctx.channel().eventLoop().execute(() -> dialHttp(key, target, error)));
        return;
      }
    }
    upstream.writeAndFlush(request);
    readUntilRequestComplete();
  }

  /**
   * A connection to {@code key} another stream of this h2c client left, its responses now this
   * exchange's; {@code null} when there is none (or this is an HTTP/1.1 connection).
   */
  private Channel takeIdle(String key) {
    Channel idle = shared == null ? null : shared.poll(key);
    if (idle != null) {
      idle.pipeline().replace(Responses.class, "responses", new Responses());
    }
    return idle;
  }

  private void forward(HttpContent content) {
    if (content instanceof LastHttpContent) {
      requestComplete = true;
      ctx.channel().config().setAutoRead(false);
    }
    if (connecting) {
      pending.add(content);
    } else if (UpstreamDialer.usable(upstream)) {
      upstream.writeAndFlush(content);
    } else {
      ReferenceCountUtil.release(content);
    }
  }

  private void dialHttp(String key, OutboundDestinations.Upstream target, Throwable error) {
    if (!ctx.channel().isActive()) {
      releasePending();
      return;
    }
    if (error != null || target.address() == null) {
      connecting = false;
      releasePending();
      replyAndClose(
          HttpResponseStatus.BAD_GATEWAY,
          "mesh proxy: "
              + (error != null
                  ? "cannot route " + key + " (" + error + ")"
                  : target.blockedReason()));
      return;
    }
    dialer
        .dial(
            ctx.channel().eventLoop(),
            target.address(),
            new io.netty.channel.ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast("codec", new HttpClientCodec());
                ch.pipeline().addLast("responses", new Responses());
              }
            })
        .addListener((ChannelFuture f) -> upstreamConnected(key, target, f));
  }

  private void upstreamConnected(
      String key, OutboundDestinations.Upstream target, ChannelFuture f) {
    connecting = false;
    if (!f.isSuccess()) {
      releasePending();
      replyAndClose(
          HttpResponseStatus.BAD_GATEWAY,
          "mesh proxy: cannot connect to "
              + key
              + " at "
              + target.address()
              + " ("
              + f.cause()
              + ")");
      return;
    }
    if (!ctx.channel().isActive()) {
      releasePending();
      f.channel().close();
      return;
    }
    upstream = f.channel();
    upstream.config().setAutoRead(true);
    while (!pending.isEmpty()) {
      upstream.write(pending.poll());
    }
    upstream.flush();
    readUntilRequestComplete();
  }

  private void readUntilRequestComplete() {
    if (!requestComplete) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  // ---- responses ----

  /** The upstream side: each response object goes back to the client as it arrives. */
  private final class Responses extends ChannelInboundHandlerAdapter {
    private boolean informational;

    @Override
    public void channelRead(ChannelHandlerContext upstreamCtx, Object msg) {
      Channel client = ctx.channel();
      if (upstreamCtx.channel() != upstream) {
        // A connection this exchange let go of spoke unasked: no exchange's answer, closed.
        ReferenceCountUtil.release(msg);
        upstreamCtx.close();
        return;
      }
      if (!(msg instanceof HttpObject)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpResponse response) {
        responseStarted = true;
        int code = response.status().code();
        informational = code >= 100 && code < 200 && code != 101;
        if (!informational && (closeAfterResponse || !HttpUtil.isKeepAlive(response))) {
          closeAfterResponse = true;
          HttpUtil.setKeepAlive(response, false);
        }
      }
      if (msg instanceof LastHttpContent) {
        if (informational) {
          client.writeAndFlush(msg);
          informational = false;
          return;
        }
        ChannelFuture done = client.writeAndFlush(msg);
        if (closeAfterResponse) {
          done.addListener(ChannelFutureListener.CLOSE);
          upstreamCtx.close();
        } else {
          responseStarted = false;
          exchangeActive = false;
          if (shared != null && requestComplete) {
            // The stream's one exchange is over: the next stream may use the connection.
            Channel idle = upstream;
            upstream = null;
            shared.release(upstreamKey, idle);
          }
          client.config().setAutoRead(true);
        }
        return;
      }
      client.write(msg);
      if (!client.isWritable()) {
        client.flush();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext upstreamCtx) {
      if (upstreamCtx.channel() == upstream) {
        ctx.channel().flush();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext upstreamCtx) {
      if (upstreamCtx.channel() != upstream) {
        return;
      }
      upstream = null;
      if (!exchangeActive) {
        // Idle between requests: the next request opens a new upstream connection.
        return;
      }
      if (!responseStarted) {
        replyAndClose(
            HttpResponseStatus.BAD_GATEWAY,
            "mesh proxy: " + upstreamKey + " closed the connection before it answered");
      } else {
        ByteRelay.closeAfterFlush(ctx.channel());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext upstreamCtx, Throwable cause) {
      upstreamCtx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePending();
    if (upstream != null) {
      upstream.close();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    MeshLog.debug("HTTP proxy connection from " + ctx.channel().remoteAddress() + ": " + cause);
    ctx.close();
  }

  private void releasePending() {
    while (!pending.isEmpty()) {
      ReferenceCountUtil.release(pending.poll());
    }
  }

  private void replyAndClose(HttpResponseStatus status, String text) {
    replyAndClose(ctx.channel(), status, text);
  }

  /** A plain-text answer of the proxy's own, after which the connection closes. */
  static void replyAndClose(Channel channel, HttpResponseStatus status, String text) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}
