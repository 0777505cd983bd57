package dev.jmesh.dataplane.engine.inbound;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * "The application" for HTTP/1 tests: a JDK HTTP server on a loopback port that reports, in {@code
 * seen-*} response headers, what reached it.
 */
final class EchoApp implements AutoCloseable {

  final HttpServer server;
  final AtomicInteger requests = new AtomicInteger();
  final List<InetSocketAddress> remotes = new CopyOnWriteArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  EchoApp() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    server.setExecutor(threads);
    server.createContext("/", this::echo);
    server.createContext("/upload", this::upload);
    server.createContext("/download", this::download);
    server.createContext("/slow", this::slow);
    server.start();
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  private void seen(HttpExchange e) {
    requests.incrementAndGet();
    remotes.add(e.getRemoteAddress());
    var h = e.getResponseHeaders();
    h.set("seen-xff", String.valueOf(e.getRequestHeaders().getFirst("x-forwarded-for")));
    h.set("seen-xfcc", String.valueOf(e.getRequestHeaders().getFirst("x-forwarded-client-cert")));
    h.set("seen-proto", String.valueOf(e.getRequestHeaders().getFirst("x-forwarded-proto")));
    h.set(
        "seen-peer-metadata",
        String.valueOf(e.getRequestHeaders().getFirst("x-envoy-peer-metadata")));
    h.set("seen-request-id", String.valueOf(e.getRequestHeaders().getFirst("x-request-id")));
    h.set("seen-authorization", String.valueOf(e.getRequestHeaders().getFirst("authorization")));
    h.set("seen-jwt-payload", String.valueOf(e.getRequestHeaders().getFirst("x-jwt-payload")));
    h.set("seen-remote-port", Integer.toString(e.getRemoteAddress().getPort()));
    h.set("seen-protocol", e.getProtocol());
    h.set("seen-host", String.valueOf(e.getRequestHeaders().getFirst("host")));
    h.set("seen-cookie", String.valueOf(e.getRequestHeaders().get("cookie")));
    h.set(
        "seen-transfer-encoding",
        String.valueOf(e.getRequestHeaders().getFirst("transfer-encoding")));
  }

  private void echo(HttpExchange e) throws IOException {
    seen(e);
    e.getRequestBody().readAllBytes();
    reply(e, 200, "ok");
  }

  private void upload(HttpExchange e) throws IOException {
    seen(e);
    long n = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = e.getRequestBody()) {
      for (int r = in.read(buffer); r != -1; r = in.read(buffer)) {
        n += r;
      }
    }
    reply(e, 200, Long.toString(n));
  }

  private void download(HttpExchange e) throws IOException {
    seen(e);
    long n = Long.parseLong(e.getRequestURI().getQuery().substring("bytes=".length()));
    e.sendResponseHeaders(200, 0);
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = e.getResponseBody()) {
      for (long left = n; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
  }

  private void slow(HttpExchange e) throws IOException {
    seen(e);
    try {
      Thread.sleep(700);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    reply(e, 200, "slow done");
  }

  private static void reply(HttpExchange e, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    e.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = e.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
