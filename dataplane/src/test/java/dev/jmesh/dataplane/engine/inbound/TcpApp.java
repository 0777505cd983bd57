package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.engine.LoopbackServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * "The application" for TCP tests: echoes every byte, after a greeting when it speaks first (as
 * SMTP or MySQL do).
 */
final class TcpApp implements AutoCloseable {

  static final String GREETING = "220 ready\r\n";

  private final boolean speaksFirst;
  private final LoopbackServer server;

  TcpApp(boolean speaksFirst) throws IOException {
    this.speaksFirst = speaksFirst;
    this.server = new LoopbackServer("tcp-app", this::serve);
  }

  InetSocketAddress address() {
    return server.address();
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
