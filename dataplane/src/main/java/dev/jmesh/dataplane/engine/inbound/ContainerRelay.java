package dev.jmesh.dataplane.engine.inbound;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * An HTTP connection on a port a servlet container claimed: its transport is settled (mutual TLS
 * terminated, or plaintext), and its decrypted bytes go 1:1 to the container over one loopback
 * connection of their own, which the engine registers as carrying this peer ({@link
 * RelayedConnections}) for as long as it is open. The container's instrumentation runs the HTTP
 * policy, the headers and the records per request; the engine parses nothing here, so it counts no
 * request and no TCP bytes (the container's requests are the records).
 */
final class ContainerRelay extends ChannelInboundHandlerAdapter {

  private final ServedPort port;
  private final RelayedConnection relayed;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private Channel upstream;
  private boolean inputEnded;

  ContainerRelay(ServedPort port, DownstreamPeer peer, InboundChain chain) {
    this.port = port;
    this.relayed = new RelayedConnection(peer, chain);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Channel downstream = ctx.channel();
    downstream.closeFuture().addListener(f -> releasePending());
    downstream.config().setAutoRead(false);
    boolean halfClose = !relayed.peer().tls();
    port.dialer()
        .dial(
            downstream.eventLoop(),
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                ch.pipeline().addLast(new ByteRelay(downstream, n -> {}, halfClose));
              }
            },
            relayed)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                downstream.close();
                return;
              }
              upstream = ((ChannelFuture) f).channel();
              if (!downstream.isActive()) {
                upstream.close();
                return;
              }
              while (!pending.isEmpty()) {
                upstream.write(pending.poll(), upstream.voidPromise());
              }
              upstream.flush();
              ctx.pipeline()
                  .replace(this, "container-relay", new ByteRelay(upstream, n -> {}, true));
              if (inputEnded || (downstream instanceof DuplexChannel d && d.isInputShutdown())) {
                ByteRelay.inputEnded(downstream, upstream, true);
              }
              ByteRelay.resumeReading(downstream);
            });
  }

  private void releasePending() {
    while (!pending.isEmpty()) {
      ReferenceCountUtil.release(pending.poll());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (upstream == null) {
      pending.add(msg);
      return;
    }
    upstream.write(msg, upstream.voidPromise());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputEnded = true;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (upstream != null) {
      ByteRelay.closeOnFlush(upstream);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
