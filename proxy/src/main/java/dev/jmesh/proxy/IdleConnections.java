package dev.jmesh.proxy;

import dev.jmesh.dataplane.engine.ConnectionIdle;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;

/**
 * Closes a client connection to one of the proxy's listeners that has moved no bytes for the
 * engine's {@code idleTimeout}, as the engine closes its own (with the same {@link
 * ConnectionIdle}): an application that leaves kept-alive connections open forever must not hold
 * the proxy's resources forever.
 */
final class IdleConnections {

  private static final String NAME = "listener-idle";

  private IdleConnections() {}

  /** Adds the idle check first in {@code pipeline}; a zero timeout means none. */
  static void install(ChannelPipeline pipeline, Duration idleTimeout) {
    if (idleTimeout.isZero() || idleTimeout.isNegative()) {
      return;
    }
    pipeline.addFirst(NAME, new ConnectionIdle(idleTimeout));
  }

  /** Takes out what {@link #install} added, for a connection the engine serves from now on. */
  static void uninstall(ChannelPipeline pipeline) {
    if (pipeline.get(NAME) instanceof ConnectionIdle) {
      pipeline.remove(NAME);
    }
  }
}
