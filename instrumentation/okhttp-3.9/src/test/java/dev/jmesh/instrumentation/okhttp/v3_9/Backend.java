package dev.jmesh.instrumentation.okhttp.v3_9;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/** A real loopback HTTP (or mTLS-only HTTPS) server that records what reached it. */
final class Backend implements AutoCloseable {

  /** One request as the server saw it. */
  record Seen(
      String method,
      String target,
      String host,
      int remotePort,
      String body,
      String meshHeader,
      String peer) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile long delayMillis;

  private Backend(HttpServer server) {
    this.server = server;
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  static Backend plain(String ip) throws IOException {
    return new Backend(HttpServer.create(new InetSocketAddress(ip, 0), 50));
  }

  /** HTTPS only, and only for a client that presents a certificate {@code tls} trusts. */
  static Backend mutualTls(String ip, SSLContext tls) throws IOException {
    HttpsServer server = HttpsServer.create(new InetSocketAddress(ip, 0), 50);
    server.setHttpsConfigurator(
        new HttpsConfigurator(tls) {
          @Override
          public void configure(HttpsParameters params) {
            SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
            ssl.setNeedClientAuth(true);
            params.setSSLParameters(ssl);
          }
        });
    return new Backend(server);
  }

  Backend status(int status) {
    this.status = status;
    return this;
  }

  Backend delay(long millis) {
    this.delayMillis = millis;
    return this;
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  List<Seen> seen() {
    return seen;
  }

  long connections() {
    return seen.stream().mapToInt(Seen::remotePort).distinct().count();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    seen.add(
        new Seen(
            exchange.getRequestMethod(),
            exchange.getRequestURI().toString(),
            exchange.getRequestHeaders().getFirst("Host"),
            exchange.getRemoteAddress().getPort(),
            body,
            exchange.getRequestHeaders().getFirst("x-mesh"),
            peer(exchange)));
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] answer = ("hello from " + address()).getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    } catch (IOException clientGone) {
      // A timed-out client closed its end.
    }
  }

  private static String peer(HttpExchange exchange) {
    if (!(exchange instanceof HttpsExchange)) {
      return null;
    }
    try {
      Certificate[] chain = ((HttpsExchange) exchange).getSSLSession().getPeerCertificates();
      return ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
