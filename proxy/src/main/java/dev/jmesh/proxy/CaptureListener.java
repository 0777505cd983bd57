package dev.jmesh.proxy;

import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.engine.outbound.OutboundEngine;
import dev.jmesh.dataplane.log.MeshLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * {@code --capture-port 15002}: the listener iptables' {@code TPROXY} hands the application's
 * captured outgoing connections to (scripts/mesh-capture). The socket is transparent ({@code
 * IP_TRANSPARENT}), so an accepted connection's local address is where the application meant to
 * connect: the original destination, with no {@code SO_ORIGINAL_DST} lookup and no native code
 * beyond Netty's native transport. Each connection then goes where the agent's capture sends a
 * {@code connect()} to that address: a service's virtual address or a mesh endpoint's {@code
 * ip:port} is served by the engine's outbound side for that service port, this very connection
 * handed over in-process (HTTP routed per request, TCP per connection, mTLS where the destination
 * wants it); anything else goes straight through (the proxy's own connections are not captured),
 * or nowhere under {@code REGISTRY_ONLY}.
 */
final class CaptureListener implements AutoCloseable {

  private final Channel server;

  private CaptureListener(Channel server) {
    this.server = server;
  }

  static CaptureListener start(
      InetSocketAddress address,
      Duration idleTimeout,
      EngineLoops loops,
      OutboundEngine engine,
      OutboundDestinations destinations,
      UpstreamDialer dialer)
      throws IOException {
    if (loops.ipTransparent() == null) {
      throw new IOException(
          "--capture-port needs Netty's io_uring or epoll transport (Linux) for IP_TRANSPARENT,"
              + " and neither loaded here (see /config_dump's transport); run the proxy on Linux"
              + " x86-64 or turn capture off");
    }
    try {
      Channel server =
          new ServerBootstrap()
              .group(loops.group())
              .channel(loops.serverChannel())
              .option(ChannelOption.SO_REUSEADDR, true)
              // TPROXY delivers connections for any address to this socket only if it is
              // transparent; the accepted sockets keep the original destination as local address.
              .option(loops.ipTransparent(), true)
              .childOption(ChannelOption.AUTO_READ, false)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(
                              new Captured(address, idleTimeout, engine, destinations, dialer));
                    }
                  })
              .bind(address)
              .syncUninterruptibly()
              .channel();
      return new CaptureListener(server);
    } catch (Exception e) {
      // Netty rethrows the bind's checked exception undeclared; EPERM means no CAP_NET_ADMIN.
      throw new IOException(
          "cannot listen on "
              + address
              + " for --capture-port: "
              + e.getMessage()
              + " (a transparent socket needs CAP_NET_ADMIN: run the proxy as root in the"
              + " workload's network namespace)",
          e);
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }

  /** One captured connection: finds its original destination, dials where it goes, relays. */
  private static final class Captured extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress listener;
    private final Duration idleTimeout;
    private final OutboundEngine engine;
    private final OutboundDestinations destinations;
    private final UpstreamDialer dialer;

    Captured(
        InetSocketAddress listener,
        Duration idleTimeout,
        OutboundEngine engine,
        OutboundDestinations destinations,
        UpstreamDialer dialer) {
      this.listener = listener;
      this.idleTimeout = idleTimeout;
      this.engine = engine;
      this.destinations = destinations;
      this.dialer = dialer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel local = ctx.channel();
      InetSocketAddress original = (InetSocketAddress) local.localAddress();
      if (original.equals(listener)) {
        // Not captured but dialled directly: passed through, it would come straight back here.
        MeshLog.warnOnce(
            "capture-direct",
            "a connection from "
                + local.remoteAddress()
                + " was made to the capture port itself; closed (only connections iptables"
                + " captured belong here)");
        local.close();
        return;
      }
      String host = original.getAddress().getHostAddress();
      destinations
          .resolve(host, original.getPort())
          .whenComplete(
              (upstream, error) ->
                  local.eventLoop().execute(() -> connect(local, original, upstream, error)));
      ctx.fireChannelActive();
    }

    private void connect(
        Channel local,
        InetSocketAddress original,
        OutboundDestinations.Upstream upstream,
        Throwable error) {
      String destination = original.getAddress().getHostAddress() + ":" + original.getPort();
      if (error != null || upstream.address() == null) {
        // What the agent's black hole does: the application sees its connection closed.
        MeshLog.warnOnce(
            "capture:" + destination,
            "captured connection to "
                + destination
                + " closed: "
                + (error != null ? error.toString() : upstream.blockedReason()));
        local.close();
        return;
      }
      if (!local.isActive()) {
        return;
      }
      if (upstream.listener() != null) {
        // A mesh destination: the engine serves this very connection, as if it had accepted it
        // on the destination's outbound listener (no second connection over loopback).
        local.pipeline().remove(this);
        engine.adopt(local, upstream.listener(), upstream.endpoint());
        return;
      }
      // Passthrough: the proxy's own connection to the original destination, which the capture
      // rules leave alone (the proxy's group), relayed byte for byte.
      IdleConnections.install(local.pipeline(), idleTimeout);
      dialer.relay(
          local,
          this,
          upstream.address(),
          cause ->
              MeshLog.debug(
                  "captured connection to "
                      + destination
                      + ": cannot connect to "
                      + upstream.address()
                      + " ("
                      + cause
                      + ")"));
    }
  }
}
