package dev.jmesh.testsuite.direct;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One unmeshed pod of a service, a JDK {@link HttpServer} in the test's own JVM on its own loopback
 * address: answers {@code pod=<name>} on the body's first line, and the test flips its behaviour
 * (status, delay) and reads what it saw (requests, distinct client connections, last headers).
 */
final class HttpBackend extends CountingBackend {

  private final String pod;
  private final HttpServer server;

  /**
   * Connections the kernel may queue before the server accepts them. A burst of 10,000 virtual
   * threads connects thousands at once; a short queue drops their handshakes, and each dropped one
   * costs the client a one-second SYN retransmission. The kernel caps it at {@code somaxconn}.
   */
  private static final int BACKLOG = 4096;

  private final ExecutorService threads = Executors.newCachedThreadPool();

  private HttpBackend(String pod, HttpServer server) {
    this.pod = pod;
    this.server = server;
  }

  /** Starts the pod on {@code ip}, an ephemeral port. */
  static HttpBackend start(String pod, String ip) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(ip, 0), BACKLOG);
    HttpBackend backend = new HttpBackend(pod, server);
    server.createContext("/", backend::handle);
    // A delayed answer must not hold back the others: one thread per exchange.
    server.setExecutor(backend.threads);
    server.start();
    return backend;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      connections.add(exchange.getRemoteAddress());
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
      lastHeaders.set(headers);
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      long delay = delayMillis.get();
      if (delay > 0) {
        try {
          TimeUnit.MILLISECONDS.sleep(delay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] body =
          ("pod=" + pod + "\nhost=" + headers.get("Host") + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status.get(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public String pod() {
    return pod;
  }

  @Override
  public String ip() {
    return server.getAddress().getAddress().getHostAddress();
  }

  @Override
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
