package dev.jmesh.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Copies what one channel reads to its peer, reading no faster than the peer writes (reads pause
 * while the peer's outbound buffer is full), and closes the peer after flushing when either side
 * ends. Installed on both channels of a tunnel.
 */
final class ByteRelay extends ChannelInboundHandlerAdapter {

  private final Channel peer;

  ByteRelay(Channel peer) {
    this.peer = peer;
  }

  /** Relays {@code a} and {@code b} to each other and starts reading both. */
  static void join(Channel a, Channel b) {
    a.pipeline().addLast(new ByteRelay(b));
    b.pipeline().addLast(new ByteRelay(a));
    a.config().setAutoRead(true);
    b.config().setAutoRead(true);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    peer.writeAndFlush(msg);
    if (!peer.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      peer.config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeAfterFlush(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  static void closeAfterFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
