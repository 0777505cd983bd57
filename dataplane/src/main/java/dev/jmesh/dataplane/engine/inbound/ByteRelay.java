package dev.jmesh.dataplane.engine.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongConsumer;

/**
 * Moves bytes read on its channel to a peer channel, one half of a relay (TCP, or a WebSocket after
 * the upgrade). Backpressure: when the peer cannot take more, this side stops reading until the
 * peer drains. When either side closes, the other is closed once what it was sent is flushed.
 */
final class ByteRelay extends ChannelInboundHandlerAdapter {

  private final Channel peer;
  private final LongConsumer bytes;

  /** {@code bytes} hears how many bytes each read carried. */
  ByteRelay(Channel peer, LongConsumer bytes) {
    this.peer = peer;
    this.bytes = bytes;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (!peer.isActive()) {
      ctx.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      bytes.accept(buf.readableBytes());
      peer.write(buf, peer.voidPromise());
      if (!peer.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // This side drained: the peer may read again.
    if (ctx.channel().isWritable()) {
      peer.config().setAutoRead(true);
      peer.read();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeOnFlush(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  static void closeOnFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
