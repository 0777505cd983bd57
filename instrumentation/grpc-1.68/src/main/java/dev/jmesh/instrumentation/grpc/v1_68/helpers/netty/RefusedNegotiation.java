package dev.jmesh.instrumentation.grpc.v1_68.helpers.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * A connection the mesh should secure but could not: it fails at once (the attempt sees a failed
 * connection) instead of carrying the RPC in plaintext.
 */
final class RefusedNegotiation extends ChannelInboundHandlerAdapter {

  private final Throwable cause;

  RefusedNegotiation(Throwable cause) {
    this.cause = cause;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.fireExceptionCaught(
        new IllegalStateException("jmesh: cannot put the mesh's TLS on this connection", cause));
    ctx.close();
  }
}
