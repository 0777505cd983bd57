package dev.jmesh.dataplane.engine.outbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies bytes from its channel to a peer with backpressure: reading stops while the peer cannot
 * take more and resumes when it can. Closing either side closes the other once what was read is
 * written. Counts the bytes it moves when given a counter.
 */
final class Relay extends ChannelInboundHandlerAdapter {

  /** Told of the bytes a relay moved. */
  interface Counter {
    void moved(boolean fromUpstream, int bytes);

    void closed();
  }

  private final Channel peer;
  private final Counter counter;
  private final boolean fromUpstream;

  Relay(Channel peer, Counter counter, boolean fromUpstream) {
    this.peer = peer;
    this.counter = counter;
    this.fromUpstream = fromUpstream;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      // E.g. the empty last content an HTTP decoder emits after a 101: not bytes to relay.
      ReferenceCountUtil.release(msg);
      return;
    }
    if (counter != null) {
      counter.moved(fromUpstream, buf.readableBytes());
    }
    peer.writeAndFlush(buf);
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
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
    if (counter != null) {
      counter.closed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
