package dev.jmesh.testsuite.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP relay between two meshed JVMs that keeps every byte it carries: what it saw is what a
 * network observer would see. Runs in the (unmeshed) test JVM.
 */
final class RecordingRelay implements AutoCloseable {

  private final ServerSocket server;
  private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
  private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
  private volatile InetSocketAddress target;

  RecordingRelay() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "relay-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void target(InetSocketAddress value) {
    this.target = value;
  }

  /** Everything clients sent towards the server so far. */
  byte[] clientBytes() {
    synchronized (toServer) {
      return toServer.toByteArray();
    }
  }

  byte[] serverBytes() {
    synchronized (toClient) {
      return toClient.toByteArray();
    }
  }

  void clear() {
    synchronized (toServer) {
      toServer.reset();
    }
    synchronized (toClient) {
      toClient.reset();
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 5000);
        pump(client, upstream, toServer);
        pump(upstream, client, toClient);
      } catch (IOException e) {
        // closed, or a failed upstream: the client sees its connection end
      }
    }
  }

  private static void pump(Socket from, Socket to, ByteArrayOutputStream record) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16384];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                  synchronized (record) {
                    record.write(buffer, 0, n);
                  }
                  out.write(buffer, 0, n);
                }
              } catch (IOException e) {
                // one side closed
              } finally {
                close(from);
                close(to);
              }
            },
            "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
