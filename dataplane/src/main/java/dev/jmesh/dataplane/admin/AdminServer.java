package dev.jmesh.dataplane.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin endpoint ({@code /ready}, {@code /stats/prometheus}, {@code /config_dump}, {@code
 * /quitquitquit}) or, with {@code metricsOnly}, the Prometheus scrape port. Built on the JDK's own
 * HTTP server: small, always there, and started off the application's threads.
 */
public final class AdminServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;
  private final int port;

  private AdminServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
    this.port = server.getAddress().getPort();
  }

  /**
   * Binds {@code address:port}; if the port is taken (a second meshed JVM on the host), falls back
   * to a free port and says so.
   */
  public static AdminServer start(
      String what, InetAddress address, int port, AdminEndpoints endpoints, boolean metricsOnly)
      throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(address, port), 16);
    } catch (BindException e) {
      if (port == 0) {
        throw e;
      }
      server = HttpServer.create(new InetSocketAddress(address, 0), 16);
      MeshLog.warn(
          what
              + " port "
              + port
              + " is taken (another meshed JVM on this host?);"
              + " using port "
              + server.getAddress().getPort()
              + " instead");
    }
    MeshHooks.addAgentPort(server.getAddress().getPort());
    ExecutorService executor = Executors.newSingleThreadExecutor(MeshThreads.factory(what));
    server.setExecutor(executor);
    server.createContext(
        "/stats/prometheus",
        exchange -> {
          StringBuilder out = new StringBuilder(4096);
          endpoints.writeMetrics(out);
          respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", out.toString());
        });
    if (!metricsOnly) {
      server.createContext(
          "/ready",
          exchange -> {
            String reason = endpoints.notReadyReason();
            respond(
                exchange,
                reason == null ? 200 : 503,
                "text/plain; charset=utf-8",
                reason == null ? "LIVE\n" : "NOT READY: " + reason + "\n");
          });
      server.createContext(
          "/config_dump",
          exchange -> respond(exchange, 200, "application/json", endpoints.configDump()));
      server.createContext(
          "/certs", exchange -> respond(exchange, 200, "application/json", endpoints.certs()));
      server.createContext(
          "/quitquitquit",
          exchange -> {
            if (!"POST".equals(exchange.getRequestMethod())) {
              respond(exchange, 405, "text/plain; charset=utf-8", "use POST\n");
              return;
            }
            respond(exchange, 200, "text/plain; charset=utf-8", "OK\n");
            endpoints.quit();
          });
    }
    server.start();
    return new AdminServer(server, executor);
  }

  public int port() {
    return port;
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    MeshHooks.removeAgentPort(port);
  }
}
