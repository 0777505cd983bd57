package dev.jmesh.dataplane.engine.inbound;

import java.net.InetSocketAddress;

/** One application port the engine has taken over; closing it stops listening on it. */
public interface InboundPort extends AutoCloseable {

  /** The address the application asked to serve on, where the engine now listens. */
  InetSocketAddress declared();

  /** The hidden loopback address the application really listens on. */
  InetSocketAddress application();

  @Override
  void close();
}
