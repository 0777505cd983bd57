package dev.jmesh.instrumentation.jdkhttpserver;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.jmesh.bootstrap.JdkHttpServerHooks;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshServerChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The mesh's request policy on a direct-inbound connection of the JDK's HTTP server, first in every
 * filter chain of the exchange: a request the mesh denies is answered here (403, 401, 429…) and no
 * application filter or handler sees it; an allowed one goes on as a {@link MeshHttpExchange},
 * which carries the mesh's header changes and records the request when it ends. Exchanges on other
 * connections pass through untouched.
 */
final class MeshInboundFilter extends Filter {

  /** The exchange whose chain this thread runs, so nested chains of it pass through. */
  private final ThreadLocal<MeshHttpExchange> running = new ThreadLocal<>();

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    if (exchange instanceof MeshHttpExchange || running.get() != null) {
      // A later chain of the same exchange (the server's own filters after the application's, or
      // an application filter's own chain): already checked.
      chain.doFilter(exchange);
      return;
    }
    MeshServerChannel connection =
        JdkHttpServerHooks.connection(exchange.getLocalAddress(), exchange.getRemoteAddress());
    if (connection == null || !connection.inbound().http()) {
      chain.doFilter(exchange);
      return;
    }
    MeshInboundRequest request;
    MeshHttpExchange mesh;
    try {
      request = connection.inbound().request(new ExchangeRequest(exchange));
      mesh = request.allowed() ? new MeshHttpExchange(exchange, request, connection) : null;
    } catch (RuntimeException e) {
      // Fail closed: the server closes the connection of an exchange whose filter threw.
      JdkHttpServerHooks.failed(e);
      throw new IOException("jmesh: the mesh could not check this request", e);
    }
    if (mesh == null) {
      reply(exchange, request);
      return;
    }
    connection.begin(mesh);
    running.set(mesh);
    try {
      chain.doFilter(mesh);
    } finally {
      running.remove();
    }
  }

  /** The mesh's local answer: the application never sees the request. */
  private static void reply(HttpExchange exchange, MeshInboundRequest request) throws IOException {
    int status = request.replyStatus();
    String text = request.replyBody();
    byte[] body = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    try {
      Headers headers = exchange.getResponseHeaders();
      headers.set("Content-Type", "text/plain");
      request.responseHeaders(new HeadersView(headers));
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
      request.finish(status, -1, 0, body.length);
    }
  }

  @Override
  public String description() {
    return "jmesh direct inbound";
  }
}
