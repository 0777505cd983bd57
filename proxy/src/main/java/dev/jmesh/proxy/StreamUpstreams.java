package dev.jmesh.proxy;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The keep-alive upstream connections the streams of one h2c client connection share. Each stream
 * is one HTTP/1.1 exchange ({@link HttpProxyConnection}); without this, each opened a connection of
 * its own to the engine's outbound listener and closed it with the stream, a loopback connect and
 * accept per request. A stream whose exchange ended cleanly leaves its connection here for the next
 * stream to the same destination. All streams of a connection run on its event loop, and so does
 * every call here: no lock.
 */
final class StreamUpstreams {

  /** Idle connections kept per destination: as many streams as a client usually has in flight. */
  static final int MAX_IDLE = 100;

  private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();
  private boolean closed;

  /** An idle, open connection to {@code destination} ({@code host:port}), or {@code null}. */
  Channel poll(String destination) {
    ArrayDeque<Channel> connections = idle.get(destination);
    if (connections == null) {
      return null;
    }
    for (Channel ch; (ch = connections.pollFirst()) != null; ) {
      if (UpstreamDialer.usable(ch)) {
        return ch;
      }
    }
    return null;
  }

  /**
   * Takes back a connection whose exchange ended cleanly; closes it instead when the client's
   * connection is gone or enough are idle already.
   */
  void release(String destination, Channel ch) {
    if (!UpstreamDialer.usable(ch)) {
      return;
    }
    if (closed) {
      ch.close();
      return;
    }
    ArrayDeque<Channel> connections = idle.computeIfAbsent(destination, d -> new ArrayDeque<>());
    if (connections.size() >= MAX_IDLE) {
      ch.close();
      return;
    }
    connections.addFirst(ch);
  }

  /** The client's connection closed: so do the idle connections. */
  void close() {
    closed = true;
    for (ArrayDeque<Channel> connections : idle.values()) {
      for (Channel ch; (ch = connections.pollFirst()) != null; ) {
        ch.close();
      }
    }
  }

  int idleCount(String destination) {
    ArrayDeque<Channel> connections = idle.get(destination);
    return connections == null ? 0 : connections.size();
  }
}
