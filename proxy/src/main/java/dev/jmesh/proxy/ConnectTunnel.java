package dev.jmesh.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * {@code CONNECT host:port} on the HTTP proxy: replaces {@link HttpProxyConnection} in the client's
 * pipeline, dials where {@link OutboundDestinations} sends {@code host:port} (for a mesh service,
 * the engine's outbound listener: TCP services get their TCP route, HTTP services their per-request
 * routing inside the tunnel), answers {@code 200 Connection Established} and relays bytes both
 * ways. A destination it cannot reach gets a {@code 502} saying why.
 */
final class ConnectTunnel extends ChannelInboundHandlerAdapter {

  private final String authority;
  private final OutboundDestinations destinations;
  private final UpstreamDialer dialer;

  /**
   * Bytes the client sent early, before the tunnel is up (the codec hands back what it buffered).
   */
  private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();

  private ChannelHandlerContext ctx;

  ConnectTunnel(String authority, OutboundDestinations destinations, UpstreamDialer dialer) {
    this.authority = authority;
    this.destinations = destinations;
    this.dialer = dialer;
  }

  /** {@code host:port} of a CONNECT target, or {@code null} if it has no valid port. */
  static String[] hostAndPort(String authority) {
    int colon = authority.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      int port = Integer.parseInt(authority.substring(colon + 1));
      if (port < 1 || port > 65535) {
        return null;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    String host = authority.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new String[] {host, authority.substring(colon + 1)};
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.channel().config().setAutoRead(false);
    String[] target = hostAndPort(authority);
    destinations
        .resolve(target[0], Integer.parseInt(target[1]))
        .whenComplete(
            (upstream, error) -> ctx.channel().eventLoop().execute(() -> dial(upstream, error)));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf bytes) {
      early.add(bytes);
    } else {
      // What remains of the CONNECT request itself (its empty last content).
      ReferenceCountUtil.release(msg);
    }
  }

  private void dial(OutboundDestinations.Upstream target, Throwable error) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (error != null || target.address() == null) {
      refuse(
          error != null
              ? "cannot route " + authority + " (" + error + ")"
              : target.blockedReason());
      return;
    }
    dialer
        .dial(ctx.channel().eventLoop(), target.address(), UpstreamDialer.empty())
        .addListener(
            (ChannelFuture f) -> {
              if (!f.isSuccess()) {
                refuse("cannot connect to " + authority + " (" + f.cause() + ")");
              } else if (!ctx.channel().isActive()) {
                f.channel().close();
              } else {
                open(f.channel());
              }
            });
  }

  private void open(Channel remote) {
    Channel client = ctx.channel();
    // Removing the codec hands any bytes it buffered to this handler, which keeps them.
    client.pipeline().remove(HttpServerCodec.class);
    client.writeAndFlush(
        Unpooled.copiedBuffer(
            "HTTP/1.1 200 Connection Established\r\n\r\n", StandardCharsets.US_ASCII));
    while (!early.isEmpty()) {
      remote.write(early.poll());
    }
    remote.flush();
    client.pipeline().remove(this);
    ByteRelay.join(client, remote);
  }

  private void refuse(String why) {
    releaseEarly();
    HttpProxyConnection.replyAndClose(
        ctx.channel(), HttpResponseStatus.BAD_GATEWAY, "mesh proxy: " + why);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseEarly();
  }

  private void releaseEarly() {
    while (!early.isEmpty()) {
      early.poll().release();
    }
  }
}
