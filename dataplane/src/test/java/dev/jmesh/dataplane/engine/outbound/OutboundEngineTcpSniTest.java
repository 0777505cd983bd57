package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * A TLS service behind a TCP listener whose chains are chosen by SNI: the engine reads the
 * application's ClientHello, picks the chain by its server name and sends the hello on unchanged.
 */
class OutboundEngineTcpSniTest {

  private static final String API = "api.example.com:443";

  /** A real ClientHello naming {@code serverName}, as the application's TLS client sends it. */
  private static byte[] clientHello(String serverName) throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine(serverName, 443);
    engine.setUseClientMode(true);
    SSLParameters p = engine.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(serverName)));
    engine.setSSLParameters(p);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }

  /** Accepts one connection and completes with the first {@code n} bytes it receives. */
  private static CompletableFuture<byte[]> firstBytes(ServerSocket server, int n) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            return in.readNBytes(n);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void theChainIsChosenByTheServerNameAndTheHelloPassesUnchanged() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket exact = new ServerSocket(0, 1, loopback);
        ServerSocket fallback = new ServerSocket(0, 1, loopback);
        MeshFixture mesh =
            new MeshFixture()
                .tcpSniListener(
                    API, 443, "api.example.com", "outbound|443||api", "outbound|443||other")
                .cluster(Cluster.newBuilder().setName("outbound|443||api"), exact.getLocalPort())
                .cluster(
                    Cluster.newBuilder().setName("outbound|443||other"), fallback.getLocalPort())) {
      byte[] hello = clientHello("api.example.com");
      CompletableFuture<byte[]> received = firstBytes(exact, hello.length);
      try (Socket app = new Socket()) {
        app.connect(mesh.start().listenerFor(API), 2000);
        app.getOutputStream().write(hello);
        app.getOutputStream().flush();
        assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(hello);
      }
      byte[] other = clientHello("www.example.org");
      CompletableFuture<byte[]> elsewhere = firstBytes(fallback, other.length);
      try (Socket app = new Socket()) {
        app.connect(mesh.engine.listenerFor(API), 2000);
        app.getOutputStream().write(other);
        app.getOutputStream().flush();
        assertThat(elsewhere.get(10, TimeUnit.SECONDS)).isEqualTo(other);
      }
    }
  }
}
