package dev.jmesh.instrumentation.jdkurlconnection;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A loopback HTTP/1.1 server behind TLS that demands a client certificate, as a STRICT mTLS
 * workload does: answers {@code name path} with {@code Connection: close} and records the {@code
 * Host} header and the client's certificate subject of each request.
 */
final class MutualTlsBackend implements AutoCloseable {

  record Seen(String host, String path, String peer) {}

  private final String name;
  private final SSLServerSocket server;
  private final Thread acceptor;
  final List<Seen> seen = new CopyOnWriteArrayList<>();

  MutualTlsBackend(String name, String ip, SSLContext context) throws IOException {
    this.name = name;
    this.server =
        (SSLServerSocket)
            context.getServerSocketFactory().createServerSocket(0, 16, InetAddress.getByName(ip));
    server.setNeedClientAuth(true);
    acceptor = new Thread(this::serve, "mtls-backend-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  private void serve() {
    while (!server.isClosed()) {
      try (SSLSocket s = (SSLSocket) server.accept()) {
        s.setSoTimeout(5_000);
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String path = in.readLine().split(" ")[1];
        String host = null;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
          if (line.regionMatches(true, 0, "Host:", 0, 5)) {
            host = line.substring(5).trim();
          }
        }
        seen.add(new Seen(host, path, s.getSession().getPeerPrincipal().getName()));
        byte[] body = (name + " " + path).getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (IOException | RuntimeException e) {
        // a failed handshake or a closed server: next connection
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
