package dev.jmesh.instrumentation.jdkurlconnection;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real loopback HTTP server answering {@code name path} and recording what each request looked
 * like on arrival. {@code /slow} answers after two seconds; {@code /redirect} answers 302 to {@code
 * /hello}.
 */
final class Backend implements AutoCloseable {

  record Seen(String host, String path, int clientPort, String meshHeader, String body) {}

  private final String name;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  final List<Seen> seen = new CopyOnWriteArrayList<>();

  private Backend(String name, HttpServer server) {
    this.name = name;
    this.server = server;
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  static Backend http(String name, String ip) throws IOException {
    return new Backend(
        name, HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 16));
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String requestBody =
        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = exchange.getRequestURI().toString();
    seen.add(
        new Seen(
            exchange.getRequestHeaders().getFirst("Host"),
            path,
            exchange.getRemoteAddress().getPort(),
            exchange.getRequestHeaders().getFirst("x-mesh-route"),
            requestBody));
    if (path.startsWith("/slow") && name.equals("v1")) {
      try {
        Thread.sleep(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (path.startsWith("/redirect") || path.startsWith("/away")) {
      exchange
          .getResponseHeaders()
          .set("Location", path.startsWith("/away") ? "http://ratings:9080/landed" : "/hello");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
      return;
    }
    byte[] body = (name + " " + path).getBytes(StandardCharsets.UTF_8);
    int status = path.startsWith("/unavailable") && name.equals("v1") ? 503 : 200;
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
