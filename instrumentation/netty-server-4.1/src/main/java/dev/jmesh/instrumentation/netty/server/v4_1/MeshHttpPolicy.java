package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * The mesh's per-request policy on an HTTP port, right behind the application's HTTP/1 codec: each
 * request is checked ({@code MeshInbound.request}) before the application sees it. A denied one is
 * answered here (its body dropped) and never reaches the application; an allowed one gets the
 * mesh's request headers, its response the mesh's response headers, and its record is finished when
 * the response's last content goes out, with the body bytes counted both ways.
 *
 * <p>Responses come in request order (HTTP/1.1), so the exchanges waiting for one are a queue. An
 * {@code Upgrade: h2c} request is served as HTTP/1.1 (the header removed, as Envoy does), so no
 * stream escapes the per-request check; a WebSocket upgrade is checked as its request and then
 * passed through. HTTP/2 (prior knowledge) passes on to the stream policy ({@code MeshHttp2Policy}
 * behind a frame codec, {@code MeshHttp2Listener} in a connection handler); other bytes that are
 * not HTTP/1 on an HTTP port cannot be checked per request: the connection is closed.
 */
final class MeshHttpPolicy extends ChannelDuplexHandler {

  private static final AttributeKey<Object> HTTP2 =
      AttributeKey.valueOf(MeshInboundHandler.HTTP2_ATTRIBUTE);

  private final MeshInbound inbound;
  private final int localPort;
  private boolean located;
  private final ArrayDeque<Exchange> exchanges = new ArrayDeque<>(2);
  private Exchange receiving;
  private boolean dropping;
  private boolean upgraded;

  private MeshHttpPolicy(MeshInbound inbound, int localPort, boolean located) {
    this.inbound = inbound;
    this.localPort = localPort;
    this.located = located;
  }

  /**
   * Behind the application's HTTP codec when its initializer has put one in; else right behind
   * {@code ctx}, to find the codec when the first bytes have gone through the application's own
   * protocol set-up.
   */
  static void install(ChannelHandlerContext ctx, MeshInbound inbound) {
    ChannelPipeline pipeline = ctx.pipeline();
    int port = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
    String codec = codecName(pipeline);
    if (codec != null) {
      pipeline.addAfter(codec, null, new MeshHttpPolicy(inbound, port, true));
    } else {
      pipeline.addAfter(ctx.name(), null, new MeshHttpPolicy(inbound, port, false));
    }
  }

  /** The last of the application's HTTP/1 server codec handlers, so both directions pass here. */
  private static String codecName(ChannelPipeline pipeline) {
    String last = null;
    for (Map.Entry<String, ChannelHandler> e : pipeline) {
      ChannelHandler h = e.getValue();
      if (h instanceof HttpServerCodec
          || h instanceof HttpRequestDecoder
          || h instanceof HttpResponseEncoder) {
        last = e.getKey();
      }
    }
    return last;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!located) {
        relocate(ctx, msg);
      } else if (msg instanceof HttpRequest) {
        request(ctx, (HttpRequest) msg);
      } else if (msg instanceof HttpContent) {
        content(ctx, (HttpContent) msg);
      } else if (msg instanceof ByteBuf && !upgraded && !http2(ctx)) {
        ReferenceCountUtil.release(msg);
        InboundFailures.note(
            "a direct-inbound HTTP port received bytes its HTTP/1 codec did not decode (HTTP/2"
                + " is not checked per request on the direct path; serve it through the engine)",
            ctx.channel());
        ctx.close();
      } else {
        ctx.fireChannelRead(msg);
      }
    } catch (Throwable t) {
      ReferenceCountUtil.safeRelease(msg);
      InboundFailures.report("direct inbound HTTP policy", ctx.channel(), t);
      ctx.close();
    }
  }

  private void relocate(ChannelHandlerContext ctx, Object msg) {
    String codec = codecName(ctx.pipeline());
    if (codec == null && http2(ctx)) {
      // An HTTP/2-only server: its streams are checked behind its frame codec.
      ctx.fireChannelRead(msg);
      ctx.pipeline().remove(this);
      return;
    }
    if (codec == null) {
      ReferenceCountUtil.release(msg);
      InboundFailures.note(
          "a direct-inbound HTTP port has no Netty HTTP/1 codec in its pipeline (HTTP/2 or"
              + " another protocol is not checked per request on the direct path; serve it"
              + " through the engine)",
          ctx.channel());
      ctx.close();
      return;
    }
    ctx.pipeline().addAfter(codec, null, new MeshHttpPolicy(inbound, localPort, true));
    ctx.fireChannelRead(msg);
    ctx.pipeline().remove(this);
  }

  /** Whether the connection went HTTP/2 with the mesh's stream policy behind the frame codec. */
  private static boolean http2(ChannelHandlerContext ctx) {
    return ctx.channel().hasAttr(HTTP2) && ctx.channel().attr(HTTP2).get() != null;
  }

  private void request(ChannelHandlerContext ctx, HttpRequest request) {
    HttpHeaders headers = request.headers();
    if ("h2c".equalsIgnoreCase(headers.get(HttpHeaderNames.UPGRADE))) {
      headers.remove(HttpHeaderNames.UPGRADE);
      headers.remove("http2-settings");
    }
    MeshInboundRequest checked = inbound.request(new NettyInboundRequest(request, localPort));
    if (!checked.allowed()) {
      dropping = !(request instanceof LastHttpContent);
      reply(ctx, request, checked);
      ReferenceCountUtil.release(request);
      return;
    }
    checked.requestHeaders(new NettyHeaders(headers));
    Exchange exchange = new Exchange(checked);
    exchanges.add(exchange);
    receiving = exchange;
    if (request instanceof HttpContent) {
      exchange.received += ((HttpContent) request).content().readableBytes();
    }
    ctx.fireChannelRead(request);
  }

  private void content(ChannelHandlerContext ctx, HttpContent content) {
    if (dropping) {
      dropping = !(content instanceof LastHttpContent);
      content.release();
      return;
    }
    if (receiving != null) {
      receiving.received += content.content().readableBytes();
    }
    ctx.fireChannelRead(content);
  }

  /** The mesh's own answer (RBAC 403, JWT 401, rate limit 429); the application never sees it. */
  private static void reply(
      ChannelHandlerContext ctx, HttpRequest request, MeshInboundRequest checked) {
    byte[] body = checked.replyBody().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            request.protocolVersion(),
            HttpResponseStatus.valueOf(checked.replyStatus()),
            Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    checked.responseHeaders(new NettyHeaders(response.headers()));
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);
    checked.finish(checked.replyStatus(), -1, 0, body.length);
    if (keepAlive) {
      ctx.writeAndFlush(response, ctx.voidPromise());
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    try {
      if (msg instanceof HttpResponse) {
        int status = ((HttpResponse) msg).status().code();
        if (status < 200 && status != 101) {
          // 100 Continue and the like: not the request's answer.
          ctx.write(msg, promise);
          return;
        }
        Exchange exchange = exchanges.peek();
        if (exchange != null && exchange.status == 0) {
          exchange.status = status;
          exchange.request.responseHeaders(new NettyHeaders(((HttpResponse) msg).headers()));
          upgraded |= status == 101;
        }
      }
      if (msg instanceof HttpContent) {
        Exchange exchange = exchanges.peek();
        if (exchange != null && exchange.status != 0) {
          exchange.sent += ((HttpContent) msg).content().readableBytes();
          if (msg instanceof LastHttpContent) {
            exchanges.poll();
            if (receiving == exchange) {
              receiving = null;
            }
            exchange.finish(grpcStatus((LastHttpContent) msg));
          }
        }
      }
    } catch (Throwable t) {
      InboundFailures.report("direct inbound HTTP response", ctx.channel(), t);
    }
    ctx.write(msg, promise);
  }

  private static int grpcStatus(LastHttpContent last) {
    String s = last.trailingHeaders().get("grpc-status");
    if (s == null) {
      return -1;
    }
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    // Requests the client left before their response was over: recorded with what was seen.
    for (Exchange e; (e = exchanges.poll()) != null; ) {
      e.finish(-1);
    }
    receiving = null;
    ctx.fireChannelInactive();
  }

  /** One allowed request on its way through the application. */
  static final class Exchange {
    final MeshInboundRequest request;
    int status;
    long received;
    long sent;

    Exchange(MeshInboundRequest request) {
      this.request = request;
    }

    void finish(int grpcStatus) {
      request.finish(status, grpcStatus, received, sent);
    }
  }
}
