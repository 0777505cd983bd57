package dev.jmesh.instrumentation.jdkurlconnection;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server that answers one request per connection without saying it will close,
 * then closes: the client keeps the connection alive and finds it stale on its next use, as it does
 * behind a server with a short idle timeout.
 */
final class OneRequestPerConnectionBackend implements AutoCloseable {

  private final ServerSocket server;
  final AtomicInteger connections = new AtomicInteger();

  OneRequestPerConnectionBackend(String ip) throws IOException {
    server = new ServerSocket(0, 16, InetAddress.getByName(ip));
    Thread acceptor = new Thread(this::serve, "stale-backend");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        connections.incrementAndGet();
        s.setSoTimeout(5_000);
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
          // headers are not needed
        }
        OutputStream out = s.getOutputStream();
        out.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // next connection
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
