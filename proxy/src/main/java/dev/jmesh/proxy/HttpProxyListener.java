package dev.jmesh.proxy;

import dev.jmesh.dataplane.engine.EngineLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The explicit HTTP proxy the application reaches with {@code HTTP_PROXY} (default {@code
 * 127.0.0.1:15001}): each HTTP/1.1 connection, or h2c stream, is an {@link HttpProxyConnection}.
 */
final class HttpProxyListener implements AutoCloseable {

  private final Channel server;

  private HttpProxyListener(Channel server) {
    this.server = server;
  }

  static HttpProxyListener start(
      InetSocketAddress address,
      Duration idleTimeout,
      EngineLoops loops,
      OutboundDestinations destinations,
      UpstreamDialer dialer)
      throws IOException {
    try {
      Channel server =
          new ServerBootstrap()
              .group(loops.group())
              .channel(loops.serverChannel())
              .option(ChannelOption.SO_REUSEADDR, true)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      IdleConnections.install(ch.pipeline(), idleTimeout);
                      ch.pipeline()
                          .addLast(
                              new ClientHttpVersion(
                                  streams ->
                                      new HttpProxyConnection(destinations, dialer, streams)));
                    }
                  })
              .bind(address)
              .syncUninterruptibly()
              .channel();
      return new HttpProxyListener(server);
    } catch (Exception e) {
      // Netty rethrows the bind's checked exception (BindException) undeclared.
      throw new IOException(
          "cannot listen on " + address + " for --http-proxy: " + e.getMessage(), e);
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }
}
