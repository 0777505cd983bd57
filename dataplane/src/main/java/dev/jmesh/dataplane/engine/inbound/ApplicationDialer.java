package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.engine.EngineLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * Opens the engine's connections to the application's hidden port, on the downstream's own event
 * loop, and keeps the local address of each in the engine's set while it is open, so the agent can
 * tell the engine's connections from a local process trying to bypass policy.
 *
 * <p>Each connection is bound before it connects and its address is registered between the two: the
 * application may accept (and the agent check) the connection before the connect completes here, so
 * registering after the connect would race.
 */
final class ApplicationDialer {

  private final EngineLoops loops;
  private final InetSocketAddress application;
  private final Set<InetSocketAddress> engineConnections;
  private final RelayedConnections relayed;

  ApplicationDialer(
      EngineLoops loops, InetSocketAddress application, Set<InetSocketAddress> engineConnections) {
    this(loops, application, engineConnections, new RelayedConnections());
  }

  ApplicationDialer(
      EngineLoops loops,
      InetSocketAddress application,
      Set<InetSocketAddress> engineConnections,
      RelayedConnections relayed) {
    this.loops = loops;
    this.application = application;
    this.engineConnections = engineConnections;
    this.relayed = relayed;
  }

  InetSocketAddress application() {
    return application;
  }

  /** Connects a new channel with {@code handler} as its pipeline's initializer. */
  ChannelFuture dial(EventLoop loop, ChannelHandler handler) {
    return dial(loop, handler, null);
  }

  /**
   * As {@link #dial(EventLoop, ChannelHandler)}, and registers the connection as carrying {@code
   * carried} (when not {@code null}) for as long as it is open, from before its connect.
   */
  ChannelFuture dial(EventLoop loop, ChannelHandler handler, RelayedConnection carried) {
    Bootstrap b =
        new Bootstrap()
            .group(loop)
            .channel(loops.channel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.AUTO_READ, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
            .handler(handler);
    ChannelFuture registered = b.register();
    Channel channel = registered.channel();
    InetAddress localHost =
        application.getAddress() != null && !application.getAddress().isAnyLocalAddress()
            ? application.getAddress()
            : InetAddress.getLoopbackAddress();
    InetSocketAddress connectTo =
        application.getAddress() != null && application.getAddress().isAnyLocalAddress()
            ? new InetSocketAddress(localHost, application.getPort())
            : application;
    ChannelPromise connected = channel.newPromise();
    registered.addListener(
        r -> {
          if (!r.isSuccess()) {
            connected.setFailure(r.cause());
            return;
          }
          channel
              .bind(new InetSocketAddress(localHost, 0))
              .addListener(
                  bound -> {
                    if (!bound.isSuccess()) {
                      connected.setFailure(bound.cause());
                      channel.close();
                      return;
                    }
                    InetSocketAddress local = (InetSocketAddress) channel.localAddress();
                    engineConnections.add(local);
                    if (carried != null) {
                      relayed.carry(local, carried);
                    }
                    channel
                        .closeFuture()
                        .addListener(
                            c -> {
                              engineConnections.remove(local);
                              if (carried != null) {
                                relayed.release(local, carried);
                              }
                            });
                    channel
                        .connect(connectTo)
                        .addListener(
                            c -> {
                              if (c.isSuccess()) {
                                connected.setSuccess();
                              } else {
                                connected.setFailure(c.cause());
                                channel.close();
                              }
                            });
                  });
        });
    return connected;
  }
}
