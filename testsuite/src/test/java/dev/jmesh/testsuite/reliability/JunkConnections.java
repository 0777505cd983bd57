package dev.jmesh.testsuite.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Hostile clients, from the test JVM over NIO: connections that send a TLS ClientHello and never
 * answer the server's reply, and connections that send nothing at all. They are never closed from
 * this side until {@link #close}, so whatever closes them is the server's own timeouts.
 */
final class JunkConnections implements AutoCloseable {

  /** One target's junk: the channels that connected. */
  static final class Batch {
    final List<SocketChannel> channels = new ArrayList<>();
  }

  private final Selector selector;
  private final List<SocketChannel> all = new ArrayList<>();
  private final ByteBuffer sink = ByteBuffer.allocate(64 * 1024);

  JunkConnections() throws IOException {
    selector = Selector.open();
  }

  /** The first flight of a real TLS 1.3/1.2 client (the JDK's), ready to be sent. */
  static byte[] clientHello() throws GeneralSecurityException, IOException {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, null, null);
    SSLEngine engine = tls.createSSLEngine("reviews.default.svc.cluster.local", 443);
    engine.setUseClientMode(true);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.beginHandshake();
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] hello = new byte[out.remaining()];
    out.get(hello);
    return hello;
  }

  /**
   * Opens {@code count} connections to {@code target}, each sending {@code first} (none if null)
   * once connected; returns when all have connected or failed, or after {@code timeoutMillis}.
   */
  Batch open(InetSocketAddress target, int count, byte[] first, long timeoutMillis)
      throws IOException {
    Batch batch = new Batch();
    int pending = 0;
    for (int i = 0; i < count; i++) {
      SocketChannel ch = SocketChannel.open();
      all.add(ch);
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.SO_LINGER, 0);
      if (ch.connect(target)) {
        connected(ch, first, batch);
      } else {
        ch.register(selector, SelectionKey.OP_CONNECT);
        pending++;
      }
    }
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (pending > 0 && System.nanoTime() < deadline) {
      selector.select(50);
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        SocketChannel ch = (SocketChannel) key.channel();
        key.cancel();
        pending--;
        try {
          if (ch.finishConnect()) {
            connected(ch, first, batch);
          }
        } catch (IOException refused) {
          ch.close();
        }
      }
    }
    selector.selectNow();
    return batch;
  }

  private static void connected(SocketChannel ch, byte[] first, Batch batch) throws IOException {
    if (first != null) {
      ch.write(ByteBuffer.wrap(first));
    }
    batch.channels.add(ch);
  }

  /**
   * Sends one more byte on each of {@code batch}'s connections still open, as a slowloris client
   * does to keep a server's read-idle timers from firing.
   */
  void trickle(Batch batch, byte b) {
    for (SocketChannel ch : batch.channels) {
      try {
        ch.write(ByteBuffer.wrap(new byte[] {b}));
      } catch (IOException closedByServer) {
        // What the server should do eventually; counted by closedByServer.
      }
    }
  }

  /** How many of {@code batch}'s connections the server has closed (EOF or reset). */
  int closedByServer(Batch batch) {
    int closed = 0;
    for (SocketChannel ch : batch.channels) {
      try {
        int n;
        do {
          sink.clear();
          n = ch.read(sink);
        } while (n > 0);
        if (n < 0) {
          closed++;
        }
      } catch (IOException reset) {
        closed++;
      }
    }
    return closed;
  }

  @Override
  public void close() throws IOException {
    for (SocketChannel ch : all) {
      ch.close();
    }
    selector.close();
  }
}
