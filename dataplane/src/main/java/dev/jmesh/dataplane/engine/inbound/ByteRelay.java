package dev.jmesh.dataplane.engine.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.util.function.LongConsumer;

/**
 * Moves bytes read on its channel to a peer channel, one half of a relay (TCP, or a WebSocket after
 * the upgrade). Backpressure: when the peer cannot take more, this side stops reading until the
 * peer drains. When either side closes, the other is closed once what it was sent is flushed.
 *
 * <p>Half-close: on a channel that allows it, a sender's end of input (FIN) is passed on as the end
 * of the peer's output once what it sent is flushed, so a client that shuts its sending side down
 * still reads the whole answer; a channel closes once both its directions ended. A peer that cannot
 * half-close (TLS) is closed instead.
 */
final class ByteRelay extends ChannelInboundHandlerAdapter {

  private final Channel peer;
  private final LongConsumer bytes;
  private final boolean peerHalfCloses;

  /** {@code bytes} hears how many bytes each read carried; no half-close. */
  ByteRelay(Channel peer, LongConsumer bytes) {
    this(peer, bytes, false);
  }

  /** {@code peerHalfCloses}: whether the end of this side's input shuts only the peer's output. */
  ByteRelay(Channel peer, LongConsumer bytes, boolean peerHalfCloses) {
    this.peer = peer;
    this.bytes = bytes;
    this.peerHalfCloses = peerHalfCloses;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputEnded(ctx.channel(), peer, peerHalfCloses);
    }
    super.userEventTriggered(ctx, evt);
  }

  /** {@code from} will send no more: its peer's output ends after what it was sent. */
  static void inputEnded(Channel from, Channel to, boolean toHalfCloses) {
    if (toHalfCloses && to instanceof DuplexChannel duplex && to.isActive()) {
      to.writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(f -> duplex.shutdownOutput().addListener(s -> closeIfEnded(to)));
    } else {
      closeOnFlush(to);
    }
    closeIfEnded(from);
  }

  /** Reads {@code ch} again, unless its input has ended (epoll refuses to watch it then). */
  static void resumeReading(Channel ch) {
    if (!(ch instanceof DuplexChannel duplex && duplex.isInputShutdown())) {
      ch.config().setAutoRead(true);
      ch.read();
    }
  }

  private static void closeIfEnded(Channel ch) {
    if (ch instanceof DuplexChannel duplex
        && duplex.isInputShutdown()
        && duplex.isOutputShutdown()) {
      ch.close();
    }
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
      resumeReading(peer);
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
