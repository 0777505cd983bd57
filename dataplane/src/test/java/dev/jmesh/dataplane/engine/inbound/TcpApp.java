package dev.jmesh.dataplane.engine.inbound;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * "The application" for TCP tests: echoes every byte, after a greeting when it speaks first (as
 * SMTP or MySQL do).
 */
final class TcpApp implements AutoCloseable {

  static final String GREETING = "220 ready\r\n";

  private final ServerSocket server;
  private final boolean speaksFirst;
  private final Thread acceptor;

  TcpApp(boolean speaksFirst) throws IOException {
    this.server = new ServerSocket();
    this.server.bind(new InetSocketAddress("127.0.0.1", 0));
    this.speaksFirst = speaksFirst;
    this.acceptor = new Thread(this::accept, "tcp-app");
    this.acceptor.setDaemon(true);
    this.acceptor.start();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "tcp-app-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      if (speaksFirst) {
        out.write(GREETING.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      byte[] buffer = new byte[16 * 1024];
      for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // the test's client went away
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
