package dev.jmesh.testapps.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code echo}: a blocking {@link ServerSocket}, one thread per connection, echoing bytes until
 * EOF. With a greeting it speaks first, as MySQL or SMTP servers do, which a sniffing proxy must
 * not wait on.
 */
final class EchoSocketServer implements AppServer {

  private final String greeting;
  private final Set<Thread> connections = ConcurrentHashMap.newKeySet();
  private ServerSocket listener;

  EchoSocketServer(String greeting) {
    this.greeting = greeting;
  }

  @Override
  public int start(String bindHost, int port) throws IOException {
    listener = new ServerSocket(port, 128, InetAddress.getByName(bindHost));
    Thread acceptor = new Thread(this::acceptLoop, "echo-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return listener.getLocalPort();
  }

  @Override
  public void stopGracefully() throws Exception {
    listener.close();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InFlight.GRACE_MILLIS);
    for (Thread connection : connections) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left > 0) {
        connection.join(left);
      }
    }
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket socket = listener.accept();
        Thread connection = new Thread(() -> serve(socket), "echo-" + socket.getPort());
        connection.setDaemon(true);
        connections.add(connection);
        connection.start();
      } catch (SocketException closed) {
        return;
      } catch (IOException e) {
        System.err.println("echo accept failed: " + e);
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      if (greeting != null) {
        out.write((greeting + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      byte[] buffer = new byte[16 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
      }
      out.flush();
    } catch (IOException e) {
      // A peer that resets the connection is normal for an echo server; nothing to report.
    } finally {
      connections.remove(Thread.currentThread());
    }
  }
}
