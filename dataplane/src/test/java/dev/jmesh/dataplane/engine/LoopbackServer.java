package dev.jmesh.dataplane.engine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * A blocking server on a loopback port for tests that stand in for an application or a host: one
 * daemon thread accepts, and each connection is served on a daemon thread of its own.
 */
public final class LoopbackServer implements AutoCloseable {

  private final ServerSocket server;

  /** Listens at once; {@code serve} gets each accepted connection and owns closing it. */
  public LoopbackServer(String name, Consumer<Socket> serve) throws IOException {
    this.server = new ServerSocket();
    this.server.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  Thread t = new Thread(() -> serve.accept(s), name + "-conn");
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            },
            name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
