package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.bootstrap.MeshInbound;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Behind the mesh's {@link SslHandler}: when the handshake is done, checks the peer's identity
 * ({@code secured}) and connection policy ({@code admitted}) and only then opens the connection to
 * the application; a failed handshake, an unacceptable peer or a refused one closes it before the
 * application has seen anything. Then it steps out of the pipeline.
 */
final class MeshTlsGate extends ChannelDuplexHandler {

  static final String TLS_NAME = "jmesh-tls";
  static final String NAME = "jmesh-tls-gate";

  private final MeshInbound inbound;
  private ArrayDeque<Object> early;
  private final HeldWrites held = new HeldWrites();
  private boolean open;

  MeshTlsGate(MeshInbound inbound) {
    this.inbound = inbound;
  }

  /** Writes the application made before the peer was secured; sent through TLS on opening. */
  HeldWrites held() {
    return held;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (open) {
      ctx.write(msg, promise);
    } else {
      held.add(msg, promise);
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (open) {
      ctx.flush();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (open || !(evt instanceof SslHandshakeCompletionEvent)) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    try {
      SslHandshakeCompletionEvent done = (SslHandshakeCompletionEvent) evt;
      SslHandler tls = (SslHandler) ctx.pipeline().get(TLS_NAME);
      if (!done.isSuccess()
          || tls == null
          || !inbound.secured(tls.engine().getSession())
          || !inbound.admitted()) {
        discardEarly();
        ctx.close();
        return;
      }
      open = true;
      held.writeFrom(ctx);
      MeshInboundHandler.open(ctx, inbound);
      ArrayDeque<Object> data = early;
      early = null;
      if (data != null) {
        for (Object msg; (msg = data.poll()) != null; ) {
          ctx.fireChannelRead(msg);
        }
        ctx.fireChannelReadComplete();
      }
      ctx.pipeline().remove(this);
    } catch (Throwable t) {
      discardEarly();
      InboundFailures.report("direct inbound TLS", ctx.channel(), t);
      ctx.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (open) {
      ctx.fireChannelRead(msg);
      return;
    }
    // Application data decrypted before the handshake event was seen: kept for the application.
    if (early == null) {
      early = new ArrayDeque<>(2);
    }
    early.add(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (open) {
      ctx.fireChannelReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    discardEarly();
    if (open) {
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (open) {
      ctx.fireExceptionCaught(cause);
    } else {
      // A handshake that failed is the mesh's business, not the application's.
      discardEarly();
      ctx.close();
    }
  }

  private void discardEarly() {
    held.discard();
    ArrayDeque<Object> data = early;
    early = null;
    if (data != null) {
      for (Object msg; (msg = data.poll()) != null; ) {
        ReferenceCountUtil.safeRelease(msg);
      }
    }
  }
}
