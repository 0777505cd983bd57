package dev.jmesh.instrumentation.jdkhttpclient;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real upstream on a loopback address: answers every request with a set status after a set delay
 * ({@code /moved} with a redirect to {@code /landed}), and records what it saw (Host, target,
 * headers, which connection).
 */
final class Backend implements AutoCloseable {

  record Seen(String host, String target, String meshHeader, String body, int remotePort) {}

  private final HttpServer server;
  private final String name;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Set<Integer> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicLong delayMillis = new AtomicLong();

  Backend(String ip, String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 50);
    server.setExecutor(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "backend-" + name);
              t.setDaemon(true);
              return t;
            }));
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    int remotePort = exchange.getRemoteAddress().getPort();
    connections.add(remotePort);
    seen.add(
        new Seen(
            exchange.getRequestHeaders().getFirst("Host"),
            exchange.getRequestURI().toString(),
            exchange.getRequestHeaders().getFirst("x-mesh"),
            body,
            remotePort));
    long delay = delayMillis.get();
    if (delay > 0) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] answer = name.getBytes(StandardCharsets.UTF_8);
    if (exchange.getRequestURI().getPath().equals("/moved")) {
      exchange.getResponseHeaders().set("Location", "/landed");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
      return;
    }
    exchange.sendResponseHeaders(status.get(), answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  Backend status(int code) {
    status.set(code);
    return this;
  }

  Backend delayMillis(long millis) {
    delayMillis.set(millis);
    return this;
  }

  List<Seen> seen() {
    return seen;
  }

  /** The distinct client connections (by remote port) that sent requests here. */
  Set<Integer> connections() {
    return connections;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
