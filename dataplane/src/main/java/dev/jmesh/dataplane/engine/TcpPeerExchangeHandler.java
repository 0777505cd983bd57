package dev.jmesh.dataplane.engine;

import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.record.WorkloadLabels;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Strips the peer's {@link TcpPeerExchange} prefix from the start of a connection's bytes, hands
 * the peer on, and leaves the pipeline: what follows the prefix (the application's first bytes)
 * goes on to the next handler, which {@code onPeer} installs. A peer that negotiated the exchange
 * but sends something else, or nothing for {@link #TIMEOUT_SECONDS}, is closed with one log line
 * per cause; a payload that is too large or not Istio's format only leaves the peer unknown.
 */
public final class TcpPeerExchangeHandler extends ByteToMessageDecoder {

  /** How long a peer that negotiated the exchange has to send its prefix. */
  static final long TIMEOUT_SECONDS = 10;

  private final TcpPeerExchange.Reader reader;
  private final String where;
  private final Consumer<WorkloadLabels> onPeer;
  private ScheduledFuture<?> timeout;
  private boolean finished;

  /**
   * @param principal the peer's SPIFFE ID from its verified certificate
   * @param where the connection as logs name it ({@code inbound 0.0.0.0:9000}, {@code outbound
   *     cluster outbound|27017||mongo.db.svc.cluster.local})
   * @param onPeer called once, on the event loop, with the peer before the rest of the bytes flow
   */
  public TcpPeerExchangeHandler(String principal, String where, Consumer<WorkloadLabels> onPeer) {
    this.reader = new TcpPeerExchange.Reader(principal);
    this.where = where;
    this.onPeer = onPeer;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timeout =
        ctx.executor()
            .schedule(
                () -> {
                  if (!finished) {
                    finished = true;
                    MeshLog.warnOnce(
                        "tcp-peer-exchange-timeout:" + where,
                        where
                            + ": a peer ("
                            + ctx.channel().remoteAddress()
                            + ") negotiated ALPN "
                            + TcpPeerExchange.ALPN
                            + " but sent no metadata within "
                            + TIMEOUT_SECONDS
                            + " s; such connections are closed");
                    ctx.close();
                  }
                },
                TIMEOUT_SECONDS,
                TimeUnit.SECONDS);
    ctx.channel().config().setAutoRead(true);
    ctx.read();
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (timeout != null) {
      timeout.cancel(false);
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (finished) {
      in.skipBytes(in.readableBytes());
      return;
    }
    TcpPeerExchange.Outcome o = reader.read(in);
    switch (o.status()) {
      case NEED_MORE -> {}
      case NOT_EXCHANGE -> {
        finished = true;
        MeshLog.warnOnce(
            "tcp-peer-exchange-garbage:" + where,
            where
                + ": a peer ("
                + ctx.channel().remoteAddress()
                + ") negotiated ALPN "
                + TcpPeerExchange.ALPN
                + " but "
                + o.problem()
                + "; such connections are closed (is it a proxy that offers the ALPN without"
                + " Istio's metadata_exchange filter?)");
        in.skipBytes(in.readableBytes());
        ctx.close();
      }
      case DONE -> {
        finished = true;
        if (o.problem() != null) {
          MeshLog.warnOnce(
              "tcp-peer-exchange-unusable:" + where,
              where
                  + ": a peer ("
                  + ctx.channel().remoteAddress()
                  + ") sent TCP peer metadata, but "
                  + o.problem()
                  + "; its connections are labelled with an unknown workload");
        }
        onPeer.accept(o.peer());
        ctx.pipeline().remove(this);
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    // A peer gone before its prefix was complete: nothing reaches the application.
    finished = true;
    super.channelInactive(ctx);
  }
}
