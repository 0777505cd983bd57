package dev.jmesh.instrumentation.jdkhttpserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import dev.jmesh.bootstrap.MeshBridge;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedInbound;
import dev.jmesh.instrumentation.testing.ScriptedInbound.Mode;
import dev.jmesh.instrumentation.testing.TestTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JDK's own {@link HttpServer} served directly (library {@code jdk-httpserver}): the module's
 * bridge hooks woven into this JVM's {@code jdk.httpserver} as the agent weaves them, real loopback
 * connections (plaintext, and mutual TLS with {@link TestTls}), the mesh's answers scripted.
 */
class JdkHttpServerDirectInboundTest {

  private static TestTls tls;

  private ScriptedBridge mesh;
  private HttpServer server;
  private ExecutorService workers;
  private final AtomicInteger handled = new AtomicInteger();
  private final AtomicInteger filtered = new AtomicInteger();
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void weave() throws Exception {
    InProcessBridgeHooks.install();
    tls = new TestTls();
  }

  @BeforeEach
  void start() throws IOException {
    mesh = ScriptedBridge.install();
    workers = Executors.newCachedThreadPool();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(workers);
    server
        .createContext("/", this::handle)
        .getFilters()
        .add(
            new Filter() {
              @Override
              public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                filtered.incrementAndGet();
                chain.doFilter(exchange);
              }

              @Override
              public String description() {
                return "the application's filter";
              }
            });
    server.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    server.stop(0);
    workers.shutdownNow();
    workers.awaitTermination(5, TimeUnit.SECONDS);
    mesh.close();
  }

  private void handle(HttpExchange exchange) throws IOException {
    handled.incrementAndGet();
    if (exchange.getRequestURI().getPath().equals("/fail")) {
      throw new IllegalStateException("the handler failed before answering");
    }
    byte[] request = exchange.getRequestBody().readAllBytes();
    seen.add(
        exchange.getRequestHeaders().getFirst("X-Jmesh-Inbound")
            + " xfcc="
            + exchange.getRequestHeaders().getFirst("X-Forwarded-Client-Cert"));
    byte[] body =
        ("handled " + exchange.getRequestURI() + " received=" + request.length)
            .getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
    exchange.close();
  }

  private int port() {
    return server.getAddress().getPort();
  }

  @Test
  void strictServesMutualTlsWithTheMeshsHeaderChangesOnAKeptAliveConnection() throws Exception {
    ScriptedInbound inbound = new ScriptedInbound(Mode.STRICT, tls.server);
    mesh.inbound(port(), inbound);

    try (HttpConnection c = new HttpConnection(tlsClient())) {
      HttpConnection.Response first = c.get("/one?x=1");
      HttpConnection.Response second = c.get("/two");
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("handled /one?x=1 received=0");
      assertThat(first.headers()).containsEntry("x-jmesh-served", "direct");
      assertThat(second.body()).isEqualTo("handled /two received=0");
    }
    assertThat(seen).containsExactly("direct xfcc=null", "direct xfcc=null");
    assertThat(inbound.peers()).containsExactly("CN=productpage");
    assertThat(inbound.requests()).extracting(r -> r.path).containsExactly("/one?x=1", "/two");
    awaitFinished(inbound, 2);
    for (ScriptedInbound.Request r : inbound.requests()) {
      assertThat(r.finishes()).hasSize(1);
      assertThat(r.finishes().get(0)[0]).isEqualTo(200);
    }
  }

  @Test
  void strictRefusesAPlaintextClientBeforeTheApplication() throws Exception {
    mesh.inbound(port(), new ScriptedInbound(Mode.STRICT, tls.server));
    try (HttpConnection c = new HttpConnection(plainClient())) {
      assertThatThrownBy(() -> c.get("/")).isInstanceOf(IOException.class);
    }
    assertThat(handled.get()).isZero();
    assertThat(filtered.get()).isZero();
  }

  @Test
  void permissiveServesMutualTlsAndPlaintext() throws Exception {
    ScriptedInbound inbound = new ScriptedInbound(Mode.PERMISSIVE, tls.server);
    mesh.inbound(port(), inbound);
    try (HttpConnection c = new HttpConnection(tlsClient())) {
      assertThat(c.get("/tls").status()).isEqualTo(200);
    }
    try (HttpConnection c = new HttpConnection(plainClient())) {
      assertThat(c.get("/plain").status()).isEqualTo(200);
    }
    assertThat(inbound.transports()).containsExactly(MeshInbound.TLS, MeshInbound.PLAINTEXT);
  }

  @Test
  void disableServesPlaintextOnly() throws Exception {
    mesh.inbound(port(), new ScriptedInbound(Mode.DISABLE, null));
    try (HttpConnection c = new HttpConnection(plainClient())) {
      assertThat(c.get("/plain").status()).isEqualTo(200);
    }
    // The server takes the ClientHello for a request line that never ends: no ServerHello.
    assertThatThrownBy(() -> tlsClient(1_000)).isInstanceOf(IOException.class);
    assertThat(handled.get()).isEqualTo(1);
  }

  @Test
  void aDeniedRequestIsAnsweredByTheMeshAndNoApplicationCodeSeesIt() throws Exception {
    ScriptedInbound inbound =
        new ScriptedInbound(Mode.PERMISSIVE, tls.server).allow(r -> !r.path().startsWith("/admin"));
    mesh.inbound(port(), inbound);
    try (HttpConnection c = new HttpConnection(plainClient())) {
      HttpConnection.Response denied = c.send("POST", "/admin", "secret");
      assertThat(denied.status()).isEqualTo(403);
      assertThat(denied.body()).isEqualTo("RBAC: access denied");
      assertThat(denied.headers()).containsEntry("x-jmesh-served", "direct");
      assertThat(handled.get()).isZero();
      assertThat(filtered.get()).isZero();
      // The connection stays usable for the next request.
      assertThat(c.get("/ok").status()).isEqualTo(200);
    }
    assertThat(handled.get()).isEqualTo(1);
    assertThat(filtered.get()).isEqualTo(1);
    awaitFinished(inbound, 2);
    assertThat(inbound.requests().get(0).finishes()).hasSize(1);
    assertThat(inbound.requests().get(0).finishes().get(0)[0]).isEqualTo(403);
  }

  @Test
  void eachRequestIsRecordedOnceWithItsBodyBytes() throws Exception {
    ScriptedInbound inbound = new ScriptedInbound(Mode.PERMISSIVE, tls.server);
    mesh.inbound(port(), inbound);
    String body = "x".repeat(1000);
    try (HttpConnection c = new HttpConnection(tlsClient())) {
      HttpConnection.Response r = c.send("POST", "/upload", body);
      assertThat(r.body()).isEqualTo("handled /upload received=1000");
    }
    awaitFinished(inbound, 1);
    ScriptedInbound.Request r = inbound.requests().get(0);
    assertThat(r.finishes()).hasSize(1);
    assertThat(r.finishes().get(0)).containsExactly(200, -1);
    assertThat(r.bytesReceived()).isEqualTo(1000);
    assertThat(r.bytesSent()).isEqualTo("handled /upload received=1000".length());
  }

  @Test
  void aRequestWhoseConnectionClosesUnderItIsRecordedOnceWithoutAResponse() throws Exception {
    ScriptedInbound inbound = new ScriptedInbound(Mode.STRICT, tls.server);
    mesh.inbound(port(), inbound);
    try (HttpConnection c = new HttpConnection(tlsClient())) {
      assertThatThrownBy(() -> c.get("/fail")).isInstanceOf(IOException.class);
    }
    awaitFinished(inbound, 1);
    assertThat(inbound.requests().get(0).finishes()).hasSize(1);
    assertThat(inbound.requests().get(0).finishes().get(0)).containsExactly(0, -1);
  }

  @Test
  void aServerWithoutAnExecutorIsServedOnItsDispatcherThread() throws Exception {
    HttpServer plain =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    plain.createContext("/", this::handle);
    plain.start();
    try {
      ScriptedInbound inbound = new ScriptedInbound(Mode.PERMISSIVE, tls.server);
      mesh.inbound(plain.getAddress().getPort(), inbound);
      for (int i = 0; i < 2; i++) {
        try (HttpConnection c = new HttpConnection(tlsClient(plain.getAddress().getPort(), 5_000))) {
          assertThat(c.get("/tls").status()).isEqualTo(200);
          assertThat(c.get("/again").status()).isEqualTo(200);
        }
      }
      try (HttpConnection c =
          new HttpConnection(
              new Socket(InetAddress.getLoopbackAddress(), plain.getAddress().getPort()))) {
        assertThat(c.get("/plain").status()).isEqualTo(200);
      }
      assertThat(inbound.requests()).hasSize(5);
    } finally {
      plain.stop(0);
    }
  }

  @Test
  void aClientSlowToSendItsFirstBytesDelaysNoOtherConnection() throws Exception {
    mesh.inbound(port(), new ScriptedInbound(Mode.PERMISSIVE, tls.server));
    try (Socket slow = plainClient()) {
      // Half a TLS record header: the mesh needs more bytes to decide, and none come.
      slow.getOutputStream().write(0x16);
      slow.getOutputStream().flush();
      Thread.sleep(50);
      long start = System.nanoTime();
      try (HttpConnection c = new HttpConnection(plainClient())) {
        assertThat(c.get("/fast").status()).isEqualTo(200);
      }
      assertThat((System.nanoTime() - start) / 1_000_000)
          .as("ms, against a detection timeout of 500")
          .isLessThan(400L);
    }
  }

  @Test
  void connectionsOfPortsTheMeshDoesNotServeDirectlyAreUntouched() throws Exception {
    try (HttpConnection c = new HttpConnection(plainClient())) {
      HttpConnection.Response r = c.get("/plain");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers()).doesNotContainKey("x-jmesh-served");
    }
    assertThat(seen).containsExactly("null xfcc=forged");
  }

  @Test
  void aPlainServerBindsAsADirectInboundOneAndAnHttpsServerDoesNot() throws Exception {
    BindRecorder recorder = new BindRecorder();
    MeshHooks.install(recorder);
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    HttpServer bound = HttpServer.create(any, 0);
    HttpServer later = HttpServer.create();
    later.bind(any, 0);
    HttpsServer secure = HttpsServer.create(any, 0);
    try {
      assertThat(recorder.direct).containsExactly(true, true, false);
      assertThat(MeshHooks.inDirectBind()).as("the mark ends with the bind").isFalse();
      assertThatThrownBy(() -> HttpServer.create(bound.getAddress(), 0))
          .isInstanceOf(java.net.BindException.class);
      assertThat(recorder.direct).containsExactly(true, true, false, true);
      assertThat(MeshHooks.inDirectBind()).as("a failed bind leaves no mark").isFalse();
    } finally {
      bound.stop(0);
      later.stop(0);
      secure.stop(0);
      MeshHooks.install(mesh);
    }
  }

  // ---- helpers ----

  private static void awaitFinished(ScriptedInbound inbound, int requests)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline
        && (inbound.requests().size() < requests
            || inbound.requests().stream().anyMatch(r -> r.finishes().isEmpty()))) {
      Thread.sleep(10);
    }
  }

  private Socket plainClient() throws IOException {
    return new Socket(InetAddress.getLoopbackAddress(), port());
  }

  private SSLSocket tlsClient() throws IOException {
    return tlsClient(5_000);
  }

  private SSLSocket tlsClient(int timeoutMillis) throws IOException {
    return tlsClient(port(), timeoutMillis);
  }

  private SSLSocket tlsClient(int port, int timeoutMillis) throws IOException {
    SSLSocket s =
        (SSLSocket)
            tls.client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(timeoutMillis);
    s.startHandshake();
    return s;
  }

  /** Records, per NIO bind, whether it ran as a direct-inbound server's bind. */
  private static final class BindRecorder implements MeshBridge {
    final List<Boolean> direct = new CopyOnWriteArrayList<>();

    @Override
    public SocketAddress beforeBind(Object server, SocketAddress requested) {
      direct.add(MeshHooks.inDirectBind());
      return requested;
    }

    @Override
    public SocketAddress beforeConnect(SocketAddress target) {
      return target;
    }

    @Override
    public void afterBind(ServerSocket server) {}

    @Override
    public void afterBind(ServerSocketChannel server) {}

    @Override
    public void afterAccept(Socket accepted) {}

    @Override
    public void afterAccept(SocketChannel accepted) {}
  }
}
