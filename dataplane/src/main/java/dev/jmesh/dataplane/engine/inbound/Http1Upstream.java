package dev.jmesh.dataplane.engine.inbound;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The application end of an HTTP/1.1 exchange: hands the response it reads to the downstream
 * exchange that leased the connection (an HTTP/1.1 request, or an HTTP/2 stream sent on as
 * HTTP/1.1). A pooled connection that speaks unasked is closed, and so is one whose response does
 * not decode.
 */
final class Http1Upstream extends ChannelInboundHandlerAdapter {

  /** What leases the connection: told of the response and of the connection's fate. */
  interface Exchange {

    void onResponse(HttpResponse response);

    /** A piece of the response body; the last one is a {@link LastHttpContent}. */
    void onResponseContent(HttpContent content);

    /** The application's read batch ended. */
    void flushDownstream();

    void upstreamWritable();

    /** The connection closed while leased. */
    void upstreamClosed();

    /** The response did not decode; the connection is closed already. */
    void upstreamProtocolError();
  }

  private Exchange exchange;
  private int leases;

  void lease(Exchange e) {
    exchange = e;
    leases++;
  }

  /** Whether the connection served an exchange before the current one. */
  boolean reused() {
    return leases > 1;
  }

  void unlease() {
    exchange = null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange e = exchange;
    if (e == null) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
      // The application broke HTTP/1.1 (a bad status line, header or chunk): what the decoder made
      // of it is not its response, and the connection cannot be read on. Unleased first, so its
      // close does not count as an ordinary upstream reset.
      ReferenceCountUtil.release(msg);
      exchange = null;
      ctx.close();
      e.upstreamProtocolError();
      return;
    }
    if (msg instanceof HttpResponse response) {
      e.onResponse(response);
    }
    if (msg instanceof HttpContent content) {
      e.onResponseContent(content);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    if (e != null) {
      e.flushDownstream();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    if (e != null && ctx.channel().isWritable()) {
      e.upstreamWritable();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    exchange = null;
    if (e != null) {
      e.upstreamClosed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
