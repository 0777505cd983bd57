package dev.jmesh.dataplane.engine.outbound;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream HTTP/1 connection or HTTP/2 stream: hands what arrives to the
 * exchange currently using it, and drops what arrives while it sits idle in the pool.
 */
final class UpstreamStream extends ChannelInboundHandlerAdapter {

  /** What an exchange hears from the upstream it uses. */
  interface Listener {
    void upstreamRead(Object msg);

    /** The end of a read batch: what {@link #upstreamRead} wrote on may now be flushed. */
    void upstreamReadComplete();

    void upstreamInactive();

    void upstreamWritabilityChanged();
  }

  private Listener listener;

  void attach(Listener l) {
    this.listener = l;
  }

  void detach() {
    this.listener = null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Listener l = listener;
    if (l == null) {
      // An idle pooled connection has nothing to say: whatever it sends ends it.
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    l.upstreamRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Listener l = listener;
    if (l != null) {
      l.upstreamReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Listener l = listener;
    listener = null;
    if (l != null) {
      l.upstreamInactive();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Listener l = listener;
    if (l != null) {
      l.upstreamWritabilityChanged();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
