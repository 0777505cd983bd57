package dev.jmesh.controlplane.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.config.TestMesh;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The debug port against clients that stall, flood or send too much: closed, counted, answered. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DebugHttpLimitsTest {

  private static final DebugHttpLimits LIMITS =
      new DebugHttpLimits(Duration.ofMillis(600), Duration.ofMillis(900), 4, 256, 512);

  /** Far above the limits: the server's timers run on a loaded machine too. */
  private static final int READ_TIMEOUT_MS = 10_000;

  @TempDir static Path dir;
  private ControlPlane cp;
  private DebugHttpServer server;

  @BeforeAll
  void start() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    cp = ControlPlane.builder().configDir(dir).xdsPort(0).httpPort(-1).build().start();
    server = DebugHttpServer.start(new InetSocketAddress("127.0.0.1", 0), cp, LIMITS);
  }

  @AfterAll
  void stop() {
    server.close();
    cp.close();
  }

  private Socket connect() throws IOException {
    return connect(server);
  }

  private static Socket connect(DebugHttpServer to) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", to.port()), 5000);
    s.setSoTimeout(READ_TIMEOUT_MS);
    return s;
  }

  /** Everything the server sends until it closes the connection. */
  private static String readToClose(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      s.getInputStream().transferTo(out);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open; got: " + out, e);
    } catch (IOException reset) {
      // A reset after the answer is a close as well.
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  /** One response's head and body on a kept-alive connection (Content-Length framed). */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("closed before a whole response: " + head);
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private String metrics() throws IOException {
    try (Socket s = connect()) {
      send(s, "GET /metrics HTTP/1.1\r\nHost: cp\r\nConnection: close\r\n\r\n");
      return readToClose(s);
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheHeadTimeout() throws IOException {
    long before = server.connections().closedFor(DebugHttpConnections.Closed.HEAD_TIMEOUT);
    long start = System.nanoTime();
    try (Socket s = connect()) {
      assertThat(readToClose(s)).isEmpty();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(LIMITS.requestHeadTimeout().minusMillis(50));
    assertThat(server.connections().closedFor(DebugHttpConnections.Closed.HEAD_TIMEOUT))
        .isGreaterThan(before);
  }

  @Test
  void aHeadSentByteByByteIsCutAtTheHeadTimeoutWith408() throws Exception {
    try (Socket s = connect()) {
      String head = "GET /ready HTTP/1.1\r\nHost: cp\r\nX-Slow: ";
      long start = System.nanoTime();
      boolean cut = false;
      // A byte every 100 ms keeps any read-idle timer from firing; only the head deadline can.
      for (int i = 0; i < 40 && !cut; i++) {
        try {
          send(s, String.valueOf(head.charAt(Math.min(i, head.length() - 1))));
        } catch (IOException closed) {
          cut = true;
        }
        if (s.getInputStream().available() > 0) {
          cut = true;
        }
        Thread.sleep(100);
      }
      String answer = readToClose(s);
      assertThat(answer).startsWith("HTTP/1.1 408");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void keptAliveConnectionsServeSeveralRequestsThenCloseWhenIdle() throws Exception {
    long before = server.connections().closedFor(DebugHttpConnections.Closed.IDLE_TIMEOUT);
    try (Socket s = connect()) {
      InputStream in = s.getInputStream();
      send(s, "GET /ready HTTP/1.1\r\nHost: cp\r\n\r\n");
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("ready\n");
      // Longer than the head timeout, shorter than the idle timeout: still open.
      Thread.sleep(LIMITS.requestHeadTimeout().toMillis() + 100);
      send(s, "GET /debug/configz HTTP/1.1\r\nHost: cp\r\n\r\n");
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("\"diagnostics\"");
      assertThat(readToClose(s)).isEmpty();
    }
    assertThat(server.connections().closedFor(DebugHttpConnections.Closed.IDLE_TIMEOUT))
        .isGreaterThan(before);
  }

  @Test
  void oversizedHeadsAreRefusedWith431And414() throws IOException {
    try (Socket s = connect()) {
      send(s, "GET /ready HTTP/1.1\r\nHost: cp\r\nX-Big: " + "a".repeat(1000) + "\r\n\r\n");
      assertThat(readToClose(s)).startsWith("HTTP/1.1 431").contains("request headers too large");
    }
    try (Socket s = connect()) {
      send(s, "GET /debug/config_dump?proxyID=" + "a".repeat(1000) + " HTTP/1.1\r\n\r\n");
      assertThat(readToClose(s)).startsWith("HTTP/1.1 414").contains("request line too long");
    }
    assertThat(metrics())
        .contains("jmesh_debug_http_connections_closed_total{reason=\"bad_request\"}");
  }

  @Test
  void connectionsOverTheCapAreClosedAtOnceAndCounted() throws Exception {
    // Its own server, whose timeouts cannot close the held connections during the test.
    DebugHttpLimits patient =
        new DebugHttpLimits(Duration.ofSeconds(60), Duration.ofSeconds(60), 4, 256, 512);
    try (DebugHttpServer capped =
        DebugHttpServer.start(new InetSocketAddress("127.0.0.1", 0), cp, patient)) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < patient.maxConnections(); i++) {
          held.add(connect(capped));
        }
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> capped.connections().open() == patient.maxConnections());
        try (Socket over = connect(capped)) {
          assertThat(readToClose(over)).isEmpty();
        }
        assertThat(capped.connections().closedFor(DebugHttpConnections.Closed.CONNECTION_LIMIT))
            .isEqualTo(1);
        // The held ones are still served.
        send(held.get(0), "GET /metrics HTTP/1.1\r\nHost: cp\r\n\r\n");
        assertThat(readResponse(held.get(0).getInputStream()))
            .startsWith("HTTP/1.1 200")
            .contains(
                "jmesh_debug_http_connections 4\n",
                "jmesh_debug_http_connections_closed_total{reason=\"connection_limit\"} 1\n");
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> capped.connections().open() == 0);
    }
  }
}
