package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import io.netty.util.collection.IntObjectHashMap;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The mesh's per-stream policy on an HTTP/2 server built on {@code Http2ConnectionHandler} with its
 * own frame listener (grpc-netty's {@code NettyServerHandler}, hand-written servers), where no
 * frames cross the pipeline: the application's listener is wrapped, so each stream's request
 * headers are checked before it sees them; a denied stream is answered through the handler's
 * encoder and never reaches it. The response side is read where every such server writes, the
 * connection encoder ({@code DefaultHttp2ConnectionEncoder}'s advice calls back here).
 *
 * <p>Connections the mesh does not serve (clients, the engine path) find no {@link MeshInbound} on
 * their channel and are passed straight through.
 */
public final class MeshHttp2Listener extends Http2FrameListenerDecorator {

  private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  private static final AttributeKey<Object> INBOUND =
      AttributeKey.valueOf(MeshInboundHandler.ATTRIBUTE);
  private static final AttributeKey<Object> STREAMS =
      AttributeKey.valueOf(MeshInboundHandler.HTTP2_ATTRIBUTE);

  private final Http2ConnectionHandler handler;
  private MeshInbound inbound;
  private boolean resolved;
  private int localPort;
  private final IntObjectHashMap<MeshHttp2Policy.Exchange> exchanges = new IntObjectHashMap<>();
  private final IntObjectHashMap<Boolean> denied = new IntObjectHashMap<>();

  private MeshHttp2Listener(Http2FrameListener application, Http2ConnectionHandler handler) {
    super(application);
    this.handler = handler;
  }

  /** Advice: {@code handler} was added at {@code ctx}; wraps its frame listener. */
  public static void wrap(ChannelHandlerContext ctx, Object handler) {
    if (!MeshHooks.isInstalled()
        || !(handler instanceof Http2ConnectionHandler)
        || handler instanceof Http2FrameCodec) {
      // The frame codec's streams are checked by MeshHttp2Policy behind it.
      return;
    }
    Http2ConnectionHandler h = (Http2ConnectionHandler) handler;
    Http2FrameListener application = h.decoder().frameListener();
    if (application == null || application instanceof MeshHttp2Listener) {
      return;
    }
    MeshHttp2Listener listener = new MeshHttp2Listener(application, h);
    h.decoder().frameListener(listener);
    ctx.channel().attr(STREAMS).set(listener);
  }

  private boolean meshed(ChannelHandlerContext ctx) {
    if (!resolved) {
      resolved = true;
      Object in = ctx.channel().attr(INBOUND).get();
      if (in instanceof MeshInbound) {
        inbound = (MeshInbound) in;
        localPort = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        ctx.channel().closeFuture().addListener(f -> finishAll());
      }
    }
    return inbound != null;
  }

  @Override
  public void onHeadersRead(
      ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream)
      throws Http2Exception {
    if (admit(ctx, streamId, headers, endStream)) {
      super.onHeadersRead(ctx, streamId, headers, padding, endStream);
    }
  }

  @Override
  public void onHeadersRead(
      ChannelHandlerContext ctx,
      int streamId,
      Http2Headers headers,
      int streamDependency,
      short weight,
      boolean exclusive,
      int padding,
      boolean endStream)
      throws Http2Exception {
    if (admit(ctx, streamId, headers, endStream)) {
      super.onHeadersRead(
          ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
    }
  }

  /** Whether the application gets these headers: not on a denied stream, nor a denied request. */
  private boolean admit(
      ChannelHandlerContext ctx, int streamId, Http2Headers headers, boolean endStream) {
    if (!meshed(ctx)) {
      return true;
    }
    if (denied.containsKey(streamId)) {
      if (endStream) {
        denied.remove(streamId); // the denied request's trailers: its last frame
      }
      return false;
    }
    if (exchanges.containsKey(streamId)) {
      return true; // the request's trailers
    }
    try {
      Http2HeadersView view = new Http2HeadersView(headers, localPort);
      MeshInboundRequest checked = inbound.request(view);
      if (!checked.allowed()) {
        if (!endStream) {
          denied.put(streamId, Boolean.TRUE); // the rest of the request is dropped here
        }
        reply(ctx, streamId, checked);
        return false;
      }
      checked.requestHeaders(view);
      exchanges.put(streamId, new MeshHttp2Policy.Exchange(checked));
      return true;
    } catch (Throwable t) {
      InboundFailures.report("direct inbound HTTP/2 policy", ctx.channel(), t);
      ctx.close();
      return false;
    }
  }

  /**
   * The mesh's answer, complete; the rest of the request is then read and dropped rather than the
   * stream reset, which proxies in between may turn into a cancellation of the answer itself.
   */
  private void reply(ChannelHandlerContext ctx, int streamId, MeshInboundRequest checked) {
    byte[] body = checked.replyBody().getBytes(StandardCharsets.UTF_8);
    Http2Headers headers = new DefaultHttp2Headers();
    headers.status(Integer.toString(checked.replyStatus()));
    headers.set("content-type", "text/plain");
    headers.setInt("content-length", body.length);
    checked.responseHeaders(new Http2HeadersView(headers, 0));
    checked.finish(checked.replyStatus(), -1, 0, body.length);
    Http2ConnectionEncoder encoder = handler.encoder();
    encoder.writeHeaders(ctx, streamId, headers, 0, false, ctx.newPromise());
    encoder.writeData(ctx, streamId, Unpooled.wrappedBuffer(body), 0, true, ctx.newPromise());
    ctx.flush();
  }

  @Override
  public int onDataRead(
      ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
      throws Http2Exception {
    if (meshed(ctx)) {
      if (denied.containsKey(streamId)) {
        if (endOfStream) {
          denied.remove(streamId);
        }
        // Consumed here: the flow-control credit goes back without the application.
        return data.readableBytes() + padding;
      }
      MeshHttp2Policy.Exchange exchange = exchanges.get(streamId);
      if (exchange != null) {
        exchange.received += data.readableBytes();
      }
    }
    return super.onDataRead(ctx, streamId, data, padding, endOfStream);
  }

  @Override
  public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode)
      throws Http2Exception {
    finish(streamId, -1);
    if (denied.remove(streamId) == null) {
      super.onRstStreamRead(ctx, streamId, errorCode);
    }
  }

  // ---- the response side, from the encoder's advice ----

  private static MeshHttp2Listener of(ChannelHandlerContext ctx) {
    Object l = ctx.channel().attr(STREAMS).get();
    return l instanceof MeshHttp2Listener ? (MeshHttp2Listener) l : null;
  }

  /**
   * Advice: the encoder writes headers on a stream; returns the headers to write. A response's
   * headers get the mesh's, in a copy when the application's cannot change (grpc-netty writes
   * read-only ones).
   */
  public static Http2Headers headersWritten(
      ChannelHandlerContext ctx, int streamId, Http2Headers headers, boolean endStream) {
    MeshHttp2Listener l = of(ctx);
    MeshHttp2Policy.Exchange exchange = l == null ? null : l.exchanges.get(streamId);
    if (exchange == null) {
      return headers;
    }
    Http2Headers written = headers;
    if (exchange.status == 0) {
      CharSequence s = headers.status();
      int status = s == null ? 0 : Integer.parseInt(s.toString());
      if (status >= 200 || status == 0) {
        exchange.status = status;
        written = headers instanceof DefaultHttp2Headers ? headers : copy(headers);
        exchange.request.responseHeaders(new Http2HeadersView(written, l.localPort));
      }
    }
    if (endStream) {
      CharSequence grpc = Http2HeadersView.find(written, GRPC_STATUS);
      l.finish(streamId, grpc == null ? -1 : Integer.parseInt(grpc.toString().trim()));
    }
    return written;
  }

  private static Http2Headers copy(Http2Headers headers) {
    Http2Headers copy = new DefaultHttp2Headers(false, headers.size() + 2);
    for (Map.Entry<CharSequence, CharSequence> h : headers) {
      copy.add(h.getKey(), h.getValue());
    }
    return copy;
  }

  /** Advice: the encoder writes data on a stream. */
  public static void dataWritten(
      ChannelHandlerContext ctx, int streamId, ByteBuf data, boolean endStream) {
    MeshHttp2Listener l = of(ctx);
    MeshHttp2Policy.Exchange exchange = l == null ? null : l.exchanges.get(streamId);
    if (exchange != null) {
      exchange.sent += data.readableBytes();
      if (endStream) {
        l.finish(streamId, -1);
      }
    }
  }

  /** Advice: the encoder resets a stream. */
  public static void resetWritten(ChannelHandlerContext ctx, int streamId) {
    MeshHttp2Listener l = of(ctx);
    if (l != null) {
      l.finish(streamId, -1);
    }
  }

  private void finish(int streamId, int grpcStatus) {
    MeshHttp2Policy.Exchange exchange = exchanges.remove(streamId);
    if (exchange != null) {
      exchange.request.finish(exchange.status, grpcStatus, exchange.received, exchange.sent);
    }
  }

  private void finishAll() {
    for (MeshHttp2Policy.Exchange e : exchanges.values()) {
      e.request.finish(e.status, -1, e.received, e.sent);
    }
    exchanges.clear();
  }
}
