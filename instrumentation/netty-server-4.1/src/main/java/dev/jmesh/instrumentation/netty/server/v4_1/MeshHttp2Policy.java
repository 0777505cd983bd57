package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The mesh's per-request policy on an HTTP/2 connection, right behind the application's {@code
 * Http2FrameCodec}: each stream's request headers are checked before the application's stream
 * handlers see them. A denied stream is answered here and the rest of its request dropped; an
 * allowed one gets the mesh's request headers, its response the mesh's response headers, and its
 * record is finished when the response ends (or either side resets the stream).
 *
 * <p>The connection's {@link MeshInbound} comes from {@link MeshInboundHandler} through a channel
 * attribute: a codec on a connection the mesh does not serve (a client's, the engine path) finds
 * none and this handler steps aside.
 */
public final class MeshHttp2Policy extends ChannelDuplexHandler {

  static final String NAME = "jmesh-h2";
  private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  static final AttributeKey<Object> INBOUND = AttributeKey.valueOf(MeshInboundHandler.ATTRIBUTE);
  private static final AttributeKey<Object> STREAMS =
      AttributeKey.valueOf(MeshInboundHandler.HTTP2_ATTRIBUTE);

  private MeshInbound inbound;
  private int localPort;
  private final IntObjectHashMap<Exchange> exchanges = new IntObjectHashMap<>();
  private final IntObjectHashMap<Boolean> denied = new IntObjectHashMap<>();

  /** Advice (public: it runs inside Netty's package): a frame codec was added at {@code codec}. */
  public static void attach(ChannelHandlerContext codec) {
    if (MeshHooks.isInstalled() && codec.pipeline().get(NAME) == null) {
      codec.pipeline().addAfter(codec.name(), NAME, new MeshHttp2Policy());
      codec.channel().attr(STREAMS).set(Boolean.TRUE);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (inbound == null && !resolve(ctx)) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (!(msg instanceof Http2StreamFrame) || ((Http2StreamFrame) msg).stream() == null) {
        ctx.fireChannelRead(msg);
        return;
      }
      Http2FrameStream stream = ((Http2StreamFrame) msg).stream();
      int id = stream.id();
      if (denied.containsKey(id)) {
        if (endOfStream(msg)) {
          denied.remove(id);
        }
        drop(ctx, msg);
        return;
      }
      Exchange exchange = exchanges.get(id);
      if (msg instanceof Http2HeadersFrame && exchange == null) {
        request(ctx, (Http2HeadersFrame) msg);
        return;
      }
      if (exchange != null) {
        if (msg instanceof Http2DataFrame) {
          exchange.received += ((Http2DataFrame) msg).content().readableBytes();
        } else if (msg instanceof Http2ResetFrame) {
          finish(id, -1);
        }
      }
      ctx.fireChannelRead(msg);
    } catch (Throwable t) {
      ReferenceCountUtil.safeRelease(msg);
      InboundFailures.report("direct inbound HTTP/2 policy", ctx.channel(), t);
      ctx.close();
    }
  }

  /** The connection's mesh answers; {@code false} (and out of the pipeline) when it has none. */
  private boolean resolve(ChannelHandlerContext ctx) {
    Object in = ctx.channel().attr(INBOUND).get();
    if (!(in instanceof MeshInbound)) {
      ctx.pipeline().remove(this);
      return false;
    }
    inbound = (MeshInbound) in;
    localPort = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
    return true;
  }

  private void request(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
    Http2FrameStream stream = frame.stream();
    Http2HeadersView view = new Http2HeadersView(frame.headers(), localPort);
    MeshInboundRequest checked = inbound.request(view);
    if (!checked.allowed()) {
      if (!frame.isEndStream()) {
        denied.put(stream.id(), Boolean.TRUE); // the rest of the request is dropped here
      }
      reply(ctx, stream, checked);
      return;
    }
    checked.requestHeaders(view);
    exchanges.put(stream.id(), new Exchange(checked));
    ctx.fireChannelRead(frame);
  }

  /**
   * The mesh's own answer on the stream, complete; the application's stream handlers never see the
   * request. The rest of the request is read and dropped rather than the stream reset, which
   * proxies in between may turn into a cancellation of the answer itself.
   */
  private static void reply(
      ChannelHandlerContext ctx, Http2FrameStream stream, MeshInboundRequest checked) {
    byte[] body = checked.replyBody().getBytes(StandardCharsets.UTF_8);
    Http2Headers headers = new DefaultHttp2Headers();
    headers.status(Integer.toString(checked.replyStatus()));
    headers.set("content-type", "text/plain");
    headers.setInt("content-length", body.length);
    checked.responseHeaders(new Http2HeadersView(headers, 0));
    checked.finish(checked.replyStatus(), -1, 0, body.length);
    ctx.write(new DefaultHttp2HeadersFrame(headers, false).stream(stream));
    ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(stream));
  }

  private static boolean endOfStream(Object frame) {
    return (frame instanceof Http2HeadersFrame && ((Http2HeadersFrame) frame).isEndStream())
        || (frame instanceof Http2DataFrame && ((Http2DataFrame) frame).isEndStream());
  }

  /** A frame of a denied stream: released, its flow-control credit given back. */
  private static void drop(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2DataFrame) {
      Http2DataFrame data = (Http2DataFrame) msg;
      int bytes = data.initialFlowControlledBytes();
      Http2FrameStream stream = data.stream();
      data.release();
      if (bytes > 0 && stream.state().remoteSideOpen()) {
        ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream));
      }
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    try {
      if (inbound != null && msg instanceof Http2StreamFrame) {
        Http2FrameStream stream = ((Http2StreamFrame) msg).stream();
        Exchange exchange = stream == null ? null : exchanges.get(stream.id());
        if (exchange != null) {
          response(stream.id(), exchange, msg);
        }
      }
    } catch (Throwable t) {
      InboundFailures.report("direct inbound HTTP/2 response", ctx.channel(), t);
    }
    ctx.write(msg, promise);
  }

  private void response(int id, Exchange exchange, Object msg) {
    if (msg instanceof Http2HeadersFrame) {
      Http2HeadersFrame frame = (Http2HeadersFrame) msg;
      if (exchange.status == 0) {
        int status = status(frame.headers());
        if (status >= 200 || status == 0) {
          exchange.status = status;
          exchange.request.responseHeaders(new Http2HeadersView(frame.headers(), localPort));
        }
      }
      if (frame.isEndStream()) {
        finish(id, grpcStatus(frame.headers()));
      }
    } else if (msg instanceof Http2DataFrame) {
      Http2DataFrame data = (Http2DataFrame) msg;
      exchange.sent += data.content().readableBytes();
      if (data.isEndStream()) {
        finish(id, -1);
      }
    } else if (msg instanceof Http2ResetFrame) {
      finish(id, -1);
    }
  }

  private static int status(Http2Headers headers) {
    CharSequence s = headers.status();
    try {
      return s == null ? 0 : Integer.parseInt(s.toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static int grpcStatus(Http2Headers headers) {
    CharSequence s = Http2HeadersView.find(headers, GRPC_STATUS);
    try {
      return s == null ? -1 : Integer.parseInt(s.toString().trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void finish(int id, int grpcStatus) {
    Exchange exchange = exchanges.remove(id);
    if (exchange != null) {
      exchange.request.finish(exchange.status, grpcStatus, exchange.received, exchange.sent);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (Exchange e : exchanges.values()) {
      e.request.finish(e.status, -1, e.received, e.sent);
    }
    exchanges.clear();
    denied.clear();
    ctx.fireChannelInactive();
  }

  /** One allowed stream on its way through the application. */
  static final class Exchange {
    final MeshInboundRequest request;
    int status;
    long received;
    long sent;

    Exchange(MeshInboundRequest request) {
      this.request = request;
    }
  }
}
