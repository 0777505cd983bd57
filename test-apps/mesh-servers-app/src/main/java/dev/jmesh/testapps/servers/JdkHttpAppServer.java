package dev.jmesh.testapps.servers;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** {@code jdk}: the JDK's built-in {@link HttpServer} (HTTP/1.1 only). */
final class JdkHttpAppServer implements AppServer {

  // Without an executor the one dispatcher thread runs every handler, so /slow would stall all.
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final InFlight inFlight = new InFlight();
  private HttpServer server;

  @Override
  public int start(String bindHost, int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(bindHost, port), 128);
    server.setExecutor(workers);
    server.createContext("/", this::handle);
    server.start();
    return server.getAddress().getPort();
  }

  @Override
  public void stopGracefully() throws InterruptedException {
    // stop(delay) closes the listener and returns when the last running exchange ends, but on
    // Java 17 it waits the whole delay when none is running (JDK-8304065), hence the check.
    int graceSeconds = (int) TimeUnit.MILLISECONDS.toSeconds(InFlight.GRACE_MILLIS);
    server.stop(inFlight.isIdle() ? 0 : graceSeconds);
    workers.shutdown();
    workers.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static String forward(String rawQuery) throws IOException {
    try {
      return Forward.call(rawQuery);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted forwarding", e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    inFlight.begin();
    // HttpExchange is AutoCloseable only from Java 18 on.
    try {
      URI uri = exchange.getRequestURI();
      String method = exchange.getRequestMethod();
      String path = uri.getRawPath();
      if (method.equals("POST") && path.equals("/upload")) {
        long received = drain(exchange.getRequestBody());
        respond(exchange, "received=" + received + "\n");
      } else if (method.equals("GET") && path.equals("/download")) {
        download(exchange, Payload.queryLong(uri.getRawQuery(), "bytes", 0));
      } else if (path.equals("/forward")) {
        drain(exchange.getRequestBody());
        respond(exchange, forward(uri.getRawQuery()));
      } else if (path.equals("/slow")) {
        long millis = Payload.queryLong(uri.getRawQuery(), "ms", 0);
        sleep(millis);
        respond(exchange, "slow=" + millis + "\n");
      } else {
        drain(exchange.getRequestBody());
        String pathWithQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        respond(
            exchange,
            RequestReport.render(
                "jdk",
                method,
                pathWithQuery,
                exchange.getProtocol(),
                RequestReport.peer(exchange.getRemoteAddress()),
                null,
                headers(exchange.getRequestHeaders())));
      }
    } finally {
      exchange.close();
      inFlight.end();
    }
  }

  private static List<Map.Entry<String, String>> headers(Headers headers) {
    List<Map.Entry<String, String>> pairs = new ArrayList<>();
    headers.forEach(
        (name, values) -> values.forEach(v -> pairs.add(new AbstractMap.SimpleEntry<>(name, v))));
    return pairs;
  }

  private static long drain(InputStream body) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = body.read(buffer)) >= 0; ) {
      total += n;
    }
    return total;
  }

  private static void download(HttpExchange exchange, long bytes) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    // A length of 0 means "chunked" to HttpServer; -1 means "no body".
    exchange.sendResponseHeaders(200, bytes == 0 ? -1 : bytes);
    try (OutputStream out = exchange.getResponseBody()) {
      for (long left = bytes; left > 0; ) {
        int n = (int) Math.min(left, Payload.CHUNK);
        out.write(Payload.CHUNK_BYTES, 0, n);
        left -= n;
      }
    }
  }

  private static void respond(HttpExchange exchange, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
