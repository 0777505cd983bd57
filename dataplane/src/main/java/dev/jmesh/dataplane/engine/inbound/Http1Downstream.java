package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.log.MeshLog;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * The downstream end of HTTP/1.1 on one connection: runs its requests one {@link Http1Exchange} at
 * a time (a pipelined request waits, with reading paused, for the response before it), answers a
 * request head that trickles in too slowly with 408, and on a drain lets the exchange in flight
 * finish with {@code Connection: close}.
 */
final class Http1Downstream extends ChannelInboundHandlerAdapter {

  private final ServedPort port;
  private final InboundChain chain;
  private final DownstreamPeer peer;
  private final RequestHeadersGuard guard;
  private final InboundTraffic traffic;

  /** The record's cluster and upstream host, the same for every request of the connection. */
  private final String inboundCluster;

  private final String applicationAuthority;

  private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private Http1AppPool appPool;
  /** The connection's one exchange, made at its first request and reused by the next ones. */
  private Http1Exchange exchange;

  /** {@link #exchange} while a request is under way, else null. */
  private Http1Exchange current;
  private boolean closing;

  /** Between a read of this connection and the end of its batch (channelReadComplete). */
  private boolean reading;

  Http1Downstream(
      ServedPort port, InboundChain chain, DownstreamPeer peer, RequestHeadersGuard guard) {
    this.port = port;
    this.chain = chain;
    this.peer = peer;
    this.guard = guard;
    this.traffic = new InboundTraffic(port.engine().context(), peer);
    this.inboundCluster = "inbound|" + port.declared().getPort() + "||";
    this.applicationAuthority =
        port.application().getHostString() + ":" + port.application().getPort();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.appPool = port.pool(ctx.channel().eventLoop());
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  ServedPort port() {
    return port;
  }

  InboundChain chain() {
    return chain;
  }

  DownstreamPeer peer() {
    return peer;
  }

  RequestHeadersGuard guard() {
    return guard;
  }

  InboundTraffic traffic() {
    return traffic;
  }

  /** The keep-alive pool to the application of this connection's event loop. */
  Http1AppPool appPool() {
    return appPool;
  }

  String inboundCluster() {
    return inboundCluster;
  }

  String applicationAuthority() {
    return applicationAuthority;
  }

  /** Whether a read batch of this connection is under way: writes it causes flush at its end. */
  boolean reading() {
    return reading;
  }

  boolean isCurrent(Http1Exchange exchange) {
    return current == exchange;
  }

  /** The exchange ended without a next one to wait for (the connection is closing). */
  void forget(Http1Exchange exchange) {
    if (current == exchange) {
      current = null;
    }
  }

  boolean isClosing() {
    return closing;
  }

  /** No new request starts on this connection. */
  void closing() {
    closing = true;
  }

  boolean hasQueued() {
    return !queued.isEmpty();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    if (!(msg instanceof HttpObject object)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (closing && (current == null || current.requestDone())) {
      // Closing (drain, or a refused request): the body in flight still flows, nothing new starts.
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!queued.isEmpty() || (current != null && current.requestDone())) {
      // A pipelined request: it waits for the response before it, reading pauses meanwhile.
      queued.add(object);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    dispatch(object);
  }

  private void dispatch(HttpObject msg) {
    if (msg instanceof HttpRequest request) {
      if (exchange == null) {
        exchange = new Http1Exchange(this);
      }
      current = exchange;
      current.start(request);
    }
    if (msg instanceof HttpContent content) {
      if (current == null) {
        content.release();
      } else {
        current.requestContent(content);
      }
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    if (current != null) {
      current.downstreamReadComplete();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && current != null && current.upstream() != null) {
      current.upstream().config().setAutoRead(true);
      current.upstream().read();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == RequestHeadersGuard.TIMEOUT) {
      if (current == null || !current.headDecoded()) {
        closing = true;
        FullHttpResponse timeout = reply(LocalReply.of(408, "request header timeout", 0), true);
        ctx.writeAndFlush(timeout).addListener(ChannelFutureListener.CLOSE);
      }
    } else if (evt == InboundEngine.DRAIN) {
      if (current == null) {
        ctx.close();
      } else {
        closing = true;
      }
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    closing = true;
    while (!queued.isEmpty()) {
      ReferenceCountUtil.release(queued.poll());
    }
    if (current != null) {
      current.downstreamClosed();
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    MeshLog.debug("inbound HTTP/1 from " + peer.remoteAddress() + ": " + cause);
    ctx.close();
  }

  /** The exchange ended both ways: the next pipelined request, or more reading. */
  void exchangeDone(Http1Exchange done) {
    if (current != done) {
      return;
    }
    current = null;
    guard.nextRequest();
    boolean closeAfter = done.closeAfter();
    done.reset();
    if (closing || closeAfter) {
      ctx.flush();
      ctx.close();
      return;
    }
    while (current == null && !queued.isEmpty()) {
      dispatch(queued.poll());
    }
    while (current != null && !current.requestDone() && !queued.isEmpty()) {
      dispatch(queued.poll());
    }
    if (queued.isEmpty()) {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    }
  }

  FullHttpResponse reply(LocalReply local, boolean close) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(local.status()),
            local.content(ctx.alloc()));
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    for (Map.Entry<String, String> e : local.headers()) {
      h.add(e.getKey(), e.getValue());
    }
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }
}
