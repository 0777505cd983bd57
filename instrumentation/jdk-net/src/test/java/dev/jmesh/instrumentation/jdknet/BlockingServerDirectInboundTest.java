package dev.jmesh.instrumentation.jdknet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.instrumentation.api.BridgeHook;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedInbound;
import dev.jmesh.instrumentation.testing.ScriptedInbound.Mode;
import dev.jmesh.instrumentation.testing.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A blocking {@link ServerSocket} echo server served directly (library {@code jdk-socket}): real
 * loopback sockets, the {@code ServerSocket.accept} exit hook applied by hand as the agent weaves
 * it ({@code socket = MeshHooks.acceptedSocket(server, socket)}), the mesh's answers scripted.
 */
class BlockingServerDirectInboundTest {

  private static TestTls tls;

  private ScriptedBridge mesh;
  private EchoServer server;

  @BeforeAll
  static void certificates() throws Exception {
    tls = new TestTls();
  }

  @BeforeEach
  void start() throws IOException {
    mesh = ScriptedBridge.install();
    server = new EchoServer(null);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    mesh.close();
  }

  @Test
  void theHookMatchesServerSocketAcceptAndTheBridge() throws Exception {
    BridgeHook hook =
        new JdkNetModule()
            .bridgeHooks().stream()
                .filter(h -> h.methodName().equals("accept"))
                .findFirst()
                .orElseThrow();
    assertThat(hook.kind()).isEqualTo(BridgeHook.Kind.REPLACE_RETURN_VALUE_WITH_THIS_ON_EXIT);
    assertThat(ServerSocket.class.getDeclaredMethod("accept").getReturnType())
        .isEqualTo(Socket.class);
    MethodHandles.publicLookup()
        .findStatic(
            MeshHooks.class,
            hook.hookName(),
            MethodType.fromMethodDescriptorString(hook.hookDescriptor(), null));
  }

  @Test
  void aPortTheMeshDoesNotServeDirectlyKeepsItsSocket() throws Exception {
    try (ServerSocket plain = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), plain.getLocalPort())) {
      Socket accepted = plain.accept();
      assertThat(MeshHooks.acceptedSocket(plain, accepted)).isSameAs(accepted);
      accepted.close();
    }
  }

  @Test
  void strictServesMutualTlsAndRefusesPlaintext() throws Exception {
    ScriptedInbound inbound = new ScriptedInbound(Mode.STRICT, tls.server);
    mesh.inbound(server.port(), inbound);

    try (SSLSocket client = tlsClient()) {
      assertThat(echo(client, "over mtls")).isEqualTo("over mtls");
    }
    assertThat(inbound.peers()).containsExactly("CN=productpage");

    try (Socket client = plainClient()) {
      assertThat(refused(client)).as("a plaintext client is closed").isTrue();
    }
    assertThat(server.served()).isEqualTo(1);
  }

  @Test
  void permissiveSniffsEachConnection() throws Exception {
    ScriptedInbound inbound = new ScriptedInbound(Mode.PERMISSIVE, tls.server);
    mesh.inbound(server.port(), inbound);

    try (SSLSocket client = tlsClient()) {
      assertThat(echo(client, "tls")).isEqualTo("tls");
    }
    try (Socket client = plainClient()) {
      assertThat(echo(client, "plain")).isEqualTo("plain");
    }
    assertThat(inbound.transports()).containsExactly(MeshInbound.TLS, MeshInbound.PLAINTEXT);
  }

  @Test
  void disableServesPlaintextOnly() throws Exception {
    mesh.inbound(server.port(), new ScriptedInbound(Mode.DISABLE, null));
    try (Socket client = plainClient()) {
      assertThat(echo(client, "plain")).isEqualTo("plain");
    }
    try (SSLSocket client = tlsClient(false)) {
      assertThatThrownBy(client::startHandshake).isInstanceOf(IOException.class);
    }
  }

  @Test
  void connectionPolicyClosesAPeerItDoesNotAdmit() throws Exception {
    mesh.inbound(server.port(), new ScriptedInbound(Mode.STRICT, tls.server).tcp(false));
    try (SSLSocket client = tlsClient()) {
      assertThat(refused(client)).isTrue();
    }
    assertThat(server.served()).isZero();
  }

  @Test
  void aServerThatSpeaksFirstGreetsASilentClientInPlaintextAfterTheDetectionTimeout()
      throws Exception {
    server.close();
    server = new EchoServer("220 hello");
    ScriptedInbound inbound = new ScriptedInbound(Mode.PERMISSIVE, tls.server);
    mesh.inbound(server.port(), inbound);
    try (Socket client = plainClient()) {
      long start = System.nanoTime();
      assertThat(readLine(client.getInputStream())).isEqualTo("220 hello");
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertThat(waited).as("ms until the greeting").isBetween(400L, 3_000L);
      assertThat(echo(client, "then echo")).isEqualTo("then echo");
    }
    assertThat(inbound.transports()).doesNotContain(MeshInbound.TLS, MeshInbound.REFUSE);
  }

  @Test
  void aGreetingWrittenBeforeTheHandshakeWaitsForItAndGoesOutEncrypted() throws Exception {
    server.close();
    server = new EchoServer("220 hello");
    mesh.inbound(server.port(), new ScriptedInbound(Mode.STRICT, tls.server));
    try (SSLSocket client = tlsClient()) {
      assertThat(readLine(client.getInputStream())).isEqualTo("220 hello");
      assertThat(echo(client, "then echo")).isEqualTo("then echo");
    }
  }

  @Test
  void aSilentClientDoesNotStallTheAcceptLoop() throws Exception {
    mesh.inbound(server.port(), new ScriptedInbound(Mode.PERMISSIVE, tls.server));
    try (Socket silent = plainClient();
        Socket talking = plainClient()) {
      long start = System.nanoTime();
      assertThat(echo(talking, "not stalled")).isEqualTo("not stalled");
      assertThat((System.nanoTime() - start) / 1_000_000)
          .as("served before the silent client's detection timeout (500 ms)")
          .isLessThan(400L);
      assertThat(silent.isClosed()).isFalse();
    }
  }

  @Test
  void hundredKilobytesCrossMutualTlsIntactWhileTheClientStillWrites() throws Exception {
    mesh.inbound(server.port(), new ScriptedInbound(Mode.STRICT, tls.server));
    try (SSLSocket client = tlsClient()) {
      byte[] payload = new byte[100_000];
      java.util.Arrays.fill(payload, (byte) 'x');
      Thread writer =
          new Thread(
              () -> {
                try {
                  client.getOutputStream().write(payload);
                  client.getOutputStream().flush();
                } catch (IOException e) {
                  // the read side reports it
                }
              });
      writer.start();
      byte[] back = client.getInputStream().readNBytes(payload.length);
      writer.join(5_000);
      assertThat(back).isEqualTo(payload);
    }
  }

  // ---- helpers ----

  private Socket plainClient() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
    s.setSoTimeout(5_000);
    return s;
  }

  private SSLSocket tlsClient() throws IOException {
    return tlsClient(true);
  }

  private SSLSocket tlsClient(boolean handshake) throws IOException {
    SSLSocket s =
        (SSLSocket)
            tls.client
                .getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), server.port());
    s.setSoTimeout(5_000);
    if (handshake) {
      s.startHandshake();
    }
    return s;
  }

  private static String echo(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    return readLine(s.getInputStream());
  }

  /**
   * Whether the server closed the connection instead of echoing (a TLS server may send an alert
   * first: anything but the echo).
   */
  private static boolean refused(Socket s) {
    byte[] got;
    try {
      s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      got = s.getInputStream().readAllBytes();
    } catch (IOException e) {
      return true;
    }
    return !new String(got, StandardCharsets.ISO_8859_1).contains("hello");
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
      line.append((char) b);
    }
    return line.toString();
  }

  /** A blocking echo server, one thread per connection, its accept exit hooked by hand. */
  private static final class EchoServer implements AutoCloseable {
    private final ServerSocket listener;
    private final String greeting;
    private final java.util.concurrent.atomic.AtomicInteger served =
        new java.util.concurrent.atomic.AtomicInteger();

    EchoServer(String greeting) throws IOException {
      this.greeting = greeting;
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::acceptLoop, "echo-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    /** Connections that echoed at least one byte. */
    int served() {
      return served.get();
    }

    private void acceptLoop() {
      while (!listener.isClosed()) {
        try {
          Socket s = MeshHooks.acceptedSocket(listener, listener.accept());
          Thread t = new Thread(() -> serve(s), "echo-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        if (greeting != null) {
          out.write((greeting + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        byte[] buffer = new byte[8192];
        boolean counted = false;
        for (int n; (n = in.read(buffer)) >= 0; ) {
          if (!counted) {
            served.incrementAndGet();
            counted = true;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }
}
