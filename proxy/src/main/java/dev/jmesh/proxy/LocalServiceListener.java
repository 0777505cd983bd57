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
 * {@code --outbound reviews:9080=127.0.0.1:19080}: a local port whose connections go to one mesh
 * destination as if the application had connected to {@code reviews:9080} itself: the engine routes
 * them (HTTP per request, TCP per connection) with mTLS where the destination wants it. The engine
 * serves each connection itself ({@link OutboundEngine#adopt}), as it serves a captured one: no
 * second connection over loopback, no second HTTP decode and encode. Each HTTP request's {@code
 * Host} (an h2c stream's {@code :authority}) becomes the destination's name, which the mesh's
 * routes match; the engine sends an h2c stream on in the protocol the service's cluster speaks.
 */
final class LocalServiceListener implements AutoCloseable {

  private final Channel server;

  private LocalServiceListener(Channel server) {
    this.server = server;
  }

  static LocalServiceListener start(
      OutboundMapping mapping,
      Duration idleTimeout,
      EngineLoops loops,
      OutboundEngine engine,
      OutboundDestinations destinations,
      UpstreamDialer dialer)
      throws IOException {
    try {
      Channel server =
          new ServerBootstrap()
              .group(loops.group())
              .channel(loops.serverChannel())
              .option(ChannelOption.SO_REUSEADDR, true)
              .childOption(ChannelOption.AUTO_READ, false)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      IdleConnections.install(ch.pipeline(), idleTimeout);
                      ch.pipeline().addLast(new Connect(mapping, engine, destinations, dialer));
                    }
                  })
              .bind(mapping.local())
              .syncUninterruptibly()
              .channel();
      return new LocalServiceListener(server);
    } catch (Exception e) {
      // Netty rethrows the bind's checked exception (BindException) undeclared.
      throw new IOException(
          "cannot listen on "
              + mapping.local()
              + " for --outbound "
              + mapping.destination()
              + ": "
              + e.getMessage(),
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

  /** Dials the destination when a connection arrives, then relays the two. */
  private static final class Connect extends ChannelInboundHandlerAdapter {
    private final OutboundMapping mapping;
    private final OutboundEngine engine;
    private final OutboundDestinations destinations;
    private final UpstreamDialer dialer;

    Connect(
        OutboundMapping mapping,
        OutboundEngine engine,
        OutboundDestinations destinations,
        UpstreamDialer dialer) {
      this.mapping = mapping;
      this.engine = engine;
      this.destinations = destinations;
      this.dialer = dialer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel local = ctx.channel();
      destinations
          .resolve(mapping.host(), mapping.port())
          .whenComplete(
              (upstream, error) ->
                  local.eventLoop().execute(() -> connect(local, upstream, error)));
      ctx.fireChannelActive();
    }

    private void connect(Channel local, OutboundDestinations.Upstream upstream, Throwable error) {
      if (error != null || upstream.address() == null) {
        MeshLog.warnOnce(
            "outbound-port:" + mapping.destination(),
            "--outbound "
                + mapping.destination()
                + ": connection closed, "
                + (error != null ? error.toString() : upstream.blockedReason()));
        local.close();
        return;
      }
      if (!local.isActive()) {
        return;
      }
      if (upstream.listener() != null) {
        // The engine serves this very connection, as it serves a captured one: a TCP service's
        // bytes, or an HTTP service's requests (HTTP/1.1 or h2c, told by the engine), each
        // request's Host then naming the service, not this local port, for routing.
        local.pipeline().remove(this);
        IdleConnections.uninstall(local.pipeline());
        engine.adopt(local, upstream.listener(), upstream.http() ? mapping.destination() : null);
        return;
      }
      dialer.relay(
          local,
          this,
          upstream.address(),
          cause ->
              MeshLog.warnOnce(
                  "outbound-port-connect:" + mapping.destination(),
                  "--outbound "
                      + mapping.destination()
                      + ": cannot connect to "
                      + upstream.address()
                      + " ("
                      + cause
                      + ")"));
    }
  }
}
