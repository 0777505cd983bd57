package dev.jmesh.dataplane.capture;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/** The engine's inbound side, as port capture uses it. */
public interface InboundTakeover {

  /**
   * Listens on {@code declared}, the address the application asked for, and forwards what policy
   * lets through to the application's server at {@code application}. Closing the result gives the
   * port back, before {@code close} returns.
   */
  Closeable takeOver(InetSocketAddress declared, InetSocketAddress application) throws IOException;

  /** Whether a connection from {@code remote} to an application's hidden port is the engine's. */
  boolean isEngineConnection(InetSocketAddress remote);
}
