package dev.jmesh.testsuite.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One unmeshed pod of the faulty service, a JDK {@link HttpServer} in the test's JVM: answers 200
 * {@code pod=<name>} and counts the requests that reached it (through its relay or not).
 */
final class Pod implements AutoCloseable {

  private final String name;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final AtomicInteger requests = new AtomicInteger();

  private Pod(String name, HttpServer server) {
    this.name = name;
    this.server = server;
  }

  /** The pod on {@code ip}, an ephemeral port. */
  static Pod start(String name, String ip) throws IOException {
    Pod pod = new Pod(name, HttpServer.create(new InetSocketAddress(ip, 0), 128));
    pod.server.createContext("/", pod::handle);
    pod.server.setExecutor(pod.threads);
    pod.server.start();
    return pod;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      byte[] body = ("pod=" + name + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  String name() {
    return name;
  }

  String ip() {
    return server.getAddress().getAddress().getHostAddress();
  }

  int port() {
    return server.getAddress().getPort();
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
