package dev.jmesh.instrumentation.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A real loopback server standing for one endpoint of a mesh service, recording what it got: a
 * JDK HttpServer on any 127.0.0.0/8 address, plain or requiring a client certificate.
 */
public final class LoopbackBackend implements AutoCloseable {

  /** One request as the endpoint saw it. */
  public record Seen(
      String method,
      String host,
      String path,
      String body,
      int clientPort,
      String meshHeader,
      String peer) {}

  private final HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Set<Integer> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile int status = 200;
  private volatile long delayMillis;
  private volatile String location;
  private final String name;

  private LoopbackBackend(HttpServer server, String name) {
    this.server = server;
    this.name = name;
    server.createContext("/", this::handle);
    server.setExecutor(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "backend-" + name);
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  public static LoopbackBackend plain(String ip) throws IOException {
    return new LoopbackBackend(
        HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 50), ip);
  }

  /** A TLS endpoint that requires a client certificate, as a meshed server in STRICT mode. */
  public static LoopbackBackend mutualTls(String ip, SSLContext context) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 50);
    s.setHttpsConfigurator(
        new HttpsConfigurator(context) {
          @Override
          public void configure(HttpsParameters params) {
            SSLParameters p = context.getDefaultSSLParameters();
            p.setNeedClientAuth(true);
            params.setSSLParameters(p);
          }
        });
    return new LoopbackBackend(s, ip + "-tls");
  }

  /** Forgets what it saw and answers 200 at once again. */
  public LoopbackBackend reset() {
    seen.clear();
    connections.clear();
    requests.set(0);
    status = 200;
    delayMillis = 0;
    location = null;
    return this;
  }

  public LoopbackBackend status(int status) {
    this.status = status;
    return this;
  }

  /** Answers 302 to {@code location}. */
  public LoopbackBackend redirect(String location) {
    this.location = location;
    this.status = 302;
    return this;
  }

  public LoopbackBackend delayMillis(long millis) {
    this.delayMillis = millis;
    return this;
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  public List<Seen> seen() {
    return seen;
  }

  public int requests() {
    return requests.get();
  }

  /** How many distinct client connections reached this endpoint. */
  public int connections() {
    return connections.size();
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String peer = null;
    if (exchange instanceof HttpsExchange) {
      try {
        peer =
            ((java.security.cert.X509Certificate)
                    ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0])
                .getSubjectX500Principal()
                .getName();
      } catch (SSLPeerUnverifiedException e) {
        peer = "none";
      }
    }
    int port = exchange.getRemoteAddress().getPort();
    connections.add(port);
    seen.add(
        new Seen(
            exchange.getRequestMethod(),
            exchange.getRequestHeaders().getFirst("Host"),
            exchange.getRequestURI().toString(),
            body,
            port,
            exchange.getRequestHeaders().getFirst("x-mesh"),
            peer));
    long delay = delayMillis;
    if (delay > 0) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] answer = (name + " " + status).getBytes(StandardCharsets.UTF_8);
    if (location != null) {
      exchange.getResponseHeaders().set("Location", location);
    }
    try {
      exchange.sendResponseHeaders(status, answer.length);
      exchange.getResponseBody().write(answer);
    } catch (IOException e) {
      // The client gave up (a timeout under test).
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
