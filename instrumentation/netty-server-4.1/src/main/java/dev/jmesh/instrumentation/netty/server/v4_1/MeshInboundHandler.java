package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;

/**
 * The first handler of every accepted connection: asks the mesh whether it serves the connection
 * ({@code MeshHooks.inbound}), and if so settles its transport before the application sees it — the
 * application's handlers get {@code channelActive} only once the connection is admitted.
 *
 * <p>Like the engine's transport selector, sniffing never blocks: the connection is read as usual,
 * the first bytes are held here (not consumed for the application), and a client silent for the
 * detection timeout is taken as plaintext (the timer runs on the channel's event loop). Then
 * plaintext opens the connection at once, TLS puts an {@link SslHandler} with the mesh's context in
 * this handler's place, and {@link MeshTlsGate} behind it opens the connection once the peer is
 * secured. The bytes held are passed on to whatever comes next.
 */
public final class MeshInboundHandler extends ChannelDuplexHandler {

  static final String LIBRARY = "netty-server";
  static final String NAME = "jmesh-inbound";

  /**
   * The channel attribute that hands an HTTP connection's {@link MeshInbound} to the handlers that
   * find their place later (behind an HTTP/2 codec added on upgrade or prior knowledge).
   */
  static final String ATTRIBUTE = "dev.jmesh.inbound";

  /** Set on a channel whose HTTP/2 streams the mesh checks (behind a codec or in its listener). */
  static final String HTTP2_ATTRIBUTE = "dev.jmesh.inbound.http2";

  private static final AttributeKey<Object> INBOUND = AttributeKey.valueOf(ATTRIBUTE);

  private MeshInbound inbound;
  private ByteBuf first;
  private ScheduledFuture<?> detection;
  private boolean decided;
  private final HeldWrites held = new HeldWrites();

  /** Advice: {@code child} is a channel a server bootstrap accepted and is about to set up. */
  public static void attach(Object child) {
    if (child instanceof Channel && MeshHooks.isInstalled()) {
      ChannelPipeline pipeline = ((Channel) child).pipeline();
      if (pipeline.get(NAME) == null) {
        pipeline.addFirst(NAME, new MeshInboundHandler());
      }
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    try {
      SocketAddress local = ctx.channel().localAddress();
      SocketAddress remote = ctx.channel().remoteAddress();
      if (local instanceof InetSocketAddress && remote instanceof InetSocketAddress) {
        inbound = MeshHooks.inbound(LIBRARY, (InetSocketAddress) local, (InetSocketAddress) remote);
      }
      if (inbound == null) {
        // Not a port the mesh serves here (engine path, no mesh, a Unix socket): untouched.
        decided = true;
        held.writeFrom(ctx);
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
        return;
      }
      if (!inbound.sniff()) {
        choose(ctx, withoutBytes());
        return;
      }
      detection =
          ctx.executor()
              .schedule(
                  () -> timedOut(ctx),
                  Math.max(1, inbound.detectionTimeoutMillis()),
                  TimeUnit.MILLISECONDS);
      if (!ctx.channel().config().isAutoRead()) {
        ctx.read();
      }
    } catch (Throwable t) {
      fail(ctx, t);
    }
  }

  private void timedOut(ChannelHandlerContext ctx) {
    if (!decided && ctx.channel().isActive()) {
      try {
        choose(ctx, withoutBytes());
      } catch (Throwable t) {
        fail(ctx, t);
      }
    }
  }

  /**
   * The verdict when no (more) first bytes will decide: not sniffing, a silent client, or {@link
   * MeshInbound#SNIFF_BYTES} read and still undecided. A silent client is plaintext.
   */
  private int withoutBytes() {
    int verdict = inbound.transport(null, 0);
    return verdict == MeshInbound.NEED_MORE ? MeshInbound.PLAINTEXT : verdict;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (decided || !(msg instanceof ByteBuf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      ByteBuf in = (ByteBuf) msg;
      if (first == null) {
        first = in;
      } else {
        first = ctx.alloc().compositeBuffer().addComponents(true, first, in);
      }
      int n = Math.min(first.readableBytes(), MeshInbound.SNIFF_BYTES);
      byte[] bytes = new byte[n];
      first.getBytes(first.readerIndex(), bytes);
      int verdict = inbound.transport(bytes, n);
      if (verdict == MeshInbound.NEED_MORE && n >= MeshInbound.SNIFF_BYTES) {
        // Every verdict needs at most SNIFF_BYTES; a data path still unsure takes the default.
        verdict = withoutBytes();
      }
      if (verdict != MeshInbound.NEED_MORE) {
        choose(ctx, verdict);
      } else if (!ctx.channel().config().isAutoRead()) {
        ctx.read();
      }
    } catch (Throwable t) {
      fail(ctx, t);
    }
  }

  private void choose(ChannelHandlerContext ctx, int verdict) throws Exception {
    if (decided || ctx.isRemoved()) {
      return;
    }
    decided = true;
    if (detection != null) {
      detection.cancel(false);
    }
    if (verdict == MeshInbound.TLS) {
      SSLEngine engine = inbound.tls().createSSLEngine();
      engine.setUseClientMode(false);
      engine.setSSLParameters(inbound.tlsParameters());
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.addAfter(ctx.name(), MeshTlsGate.TLS_NAME, new SslHandler(engine));
      MeshTlsGate gate = new MeshTlsGate(inbound);
      // Whatever the application wrote already goes out through TLS, once the peer is secured.
      held.moveTo(gate.held());
      pipeline.addAfter(MeshTlsGate.TLS_NAME, MeshTlsGate.NAME, gate);
      passOn(ctx);
    } else if (verdict == MeshInbound.PLAINTEXT && inbound.admitted()) {
      held.writeFrom(ctx);
      open(ctx, inbound);
      passOn(ctx);
    } else {
      // REFUSE (STRICT and a plaintext client, DISABLE and a TLS one), or not admitted.
      release();
      ctx.close();
    }
  }

  /**
   * The connection is the application's from here on: HTTP policy behind its codec, then the {@code
   * channelActive} it has been waiting for. Fired from {@code ctx}, so it reaches only the handlers
   * behind the mesh's own.
   */
  static void open(ChannelHandlerContext ctx, MeshInbound inbound) {
    if (inbound.http()) {
      ctx.channel().attr(INBOUND).set(inbound);
      MeshHttpPolicy.install(ctx, inbound);
    }
    ctx.fireChannelActive();
  }

  /** Hands the bytes held to the handlers behind, then steps out of the pipeline. */
  private void passOn(ChannelHandlerContext ctx) {
    ByteBuf bytes = first;
    first = null;
    if (bytes != null) {
      ctx.fireChannelRead(bytes);
      ctx.fireChannelReadComplete();
    }
    if (!ctx.isRemoved()) {
      ctx.pipeline().remove(this);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    // Held from the start: an application handler may write as soon as it joins the pipeline,
    // before channelActive, where the mesh first learns whether it serves the connection.
    if (decided) {
      ctx.write(msg, promise);
    } else {
      held.add(msg, promise);
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (decided) {
      ctx.flush();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (decided) {
      ctx.fireChannelReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (detection != null) {
      detection.cancel(false);
    }
    release();
    // The application never saw this connection open: it does not see it close either.
    if (inbound == null) {
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  private void release() {
    ByteBuf bytes = first;
    first = null;
    if (bytes != null) {
      ReferenceCountUtil.safeRelease(bytes);
    }
    held.discard();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (inbound == null) {
      ctx.fireExceptionCaught(cause);
    } else {
      // Before the connection is open the application has no part in it.
      release();
      ctx.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, Throwable t) {
    decided = true;
    release();
    InboundFailures.report("direct inbound", ctx.channel(), t);
    ctx.close();
  }
}
