package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.engine.FirstBytes;
import dev.jmesh.dataplane.log.MeshLog;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The first handler of every downstream connection: picks its filter chain, by sniffing the first
 * bytes when the port is PERMISSIVE (Envoy's TLS inspector), or at once for STRICT and DISABLE,
 * then replaces itself with that chain's handlers. The bytes it read are passed on to them.
 *
 * <p>Sniffing never blocks: the connection is read as usual, and a client that has sent nothing
 * when the protocol-detection timeout fires is taken as plaintext, so that a protocol where the
 * server speaks first (MySQL, SMTP) reaches the application. A GC pause longer than the timeout
 * does not misfire it when the client did send in time: after the pause the event loop first
 * processes ready I/O (this handler reads and decides, cancelling the timer) and only then runs the
 * scheduled tasks that have become due, in the same loop iteration.
 */
final class TransportSelector extends ByteToMessageDecoder {

  /** Enough for every {@link FirstBytes} verdict (the HTTP/2 preface is the longest). */
  private static final int SNIFF_BYTES = 24;

  private final ServedPort port;
  private final TransportPlan plan;
  private ScheduledFuture<?> detection;
  private boolean decided;

  TransportSelector(ServedPort port, TransportPlan plan) {
    this.port = port;
    this.plan = plan;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (!plan.sniff()) {
      // STRICT and DISABLE: nothing to sniff; the chain's handlers take the connection now.
      ctx.channel().eventLoop().execute(() -> choose(ctx, plan.direct()));
      return;
    }
    long nanos = port.engine().limits().protocolDetectionTimeout().toNanos();
    detection =
        ctx.executor().schedule(() -> timedOut(ctx), Math.max(1, nanos), TimeUnit.NANOSECONDS);
  }

  private void timedOut(ChannelHandlerContext ctx) {
    if (!decided && ctx.channel().isActive()) {
      choose(ctx, plan.plaintextChain());
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (decided || !plan.sniff()) {
      return;
    }
    int n = Math.min(in.readableBytes(), SNIFF_BYTES);
    byte[] first = new byte[n];
    in.getBytes(in.readerIndex(), first);
    FirstBytes.Protocol protocol = FirstBytes.classify(first, 0, n);
    if (protocol == FirstBytes.Protocol.NEED_MORE && n < SNIFF_BYTES) {
      return;
    }
    choose(ctx, protocol == FirstBytes.Protocol.TLS ? plan.tlsChain() : plan.plaintextChain());
  }

  private void choose(ChannelHandlerContext ctx, InboundChain chain) {
    if (decided || ctx.isRemoved()) {
      return;
    }
    decided = true;
    if (detection != null) {
      detection.cancel(false);
    }
    if (chain == null) {
      MeshLog.debug(
          "inbound "
              + port.declared()
              + ": no filter chain for the connection from "
              + ctx.channel().remoteAddress()
              + "; closed");
      ctx.close();
      return;
    }
    DownstreamChannels.install(port, ctx, chain);
    // Removing a ByteToMessageDecoder passes the bytes it holds on to the handlers just added.
    ctx.pipeline().remove(this);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent && !decided) {
      // The client ended its input before the chain was chosen: a short request and its FIN can
      // be read before the deferred choice runs (io_uring's loop reaps accept, read and end in one
      // turn). The decoder would drop the bytes it holds on this event; choosing now hands them to
      // the chain, which then hears the end after them. Too few bytes for a verdict: plaintext,
      // as when the detection timer fires.
      choose(ctx, plan.sniff() ? plan.plaintextChain() : plan.direct());
      ctx.fireUserEventTriggered(evt);
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (detection != null) {
      detection.cancel(false);
    }
    super.channelInactive(ctx);
  }
}
