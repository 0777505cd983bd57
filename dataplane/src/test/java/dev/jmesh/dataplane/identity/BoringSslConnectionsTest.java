package dev.jmesh.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contexts the direct paths put on the application's own connections: BoringSSL (Conscrypt)
 * sockets and engines over the workload's SVID, over real loopback mutual TLS, with the peer still
 * checked by SPIFFE ID.
 */
class BoringSslConnectionsTest {

  private static final SpiffeId REVIEWS = SpiffeId.workload("cluster.local", "default", "reviews");
  private static final SpiffeId PRODUCTPAGE =
      SpiffeId.workload("cluster.local", "default", "productpage");
  private static final SpiffeId RATINGS = SpiffeId.workload("cluster.local", "default", "ratings");

  private static TestCa ca;
  private static WorkloadIdentity server;
  private static WorkloadIdentity client;
  private static TlsEchoServer echo;
  private static final CompletableFuture<X509Certificate> SEEN_CLIENT = new CompletableFuture<>();

  @BeforeAll
  static void start() throws Exception {
    ca = new TestCa("mesh root");
    server = ca.workload(REVIEWS, "cluster.local", 60_000);
    client = ca.workload(PRODUCTPAGE, "cluster.local", 60_000);
    SSLContext serverTls = MeshTls.forConnections(server, id -> true, MeshTls.Provider.BORINGSSL);
    // The way the Netty server module secures an application's pipeline: an SslHandler over an
    // engine of the context.
    echo =
        new TlsEchoServer(
            ch -> {
              SSLEngine engine = serverTls.createSSLEngine();
              engine.setUseClientMode(false);
              engine.setNeedClientAuth(true);
              SslHandler tls = new SslHandler(engine);
              tls.handshakeFuture()
                  .addListener(
                      f -> {
                        if (f.isSuccess()) {
                          SEEN_CLIENT.complete(
                              (X509Certificate) engine.getSession().getPeerCertificates()[0]);
                        }
                      });
              return tls;
            });
  }

  @AfterAll
  static void stop() {
    echo.close();
    server.close();
    client.close();
  }

  private static int port() {
    return echo.port();
  }

  /** A client connection the way the socket-factory libraries make one: layered on a socket. */
  private static SSLSocket connect(SSLContext tls) throws Exception {
    Socket raw = new Socket("127.0.0.1", port());
    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, "127.0.0.1", port(), true);
    s.setSoTimeout(5_000);
    s.startHandshake();
    return s;
  }

  private static void roundTrip(Socket s, int value) throws Exception {
    OutputStream out = s.getOutputStream();
    out.write(value);
    out.flush();
    assertThat(s.getInputStream().read()).isEqualTo(value);
  }

  @Test
  void boringSslIsWhatTheDirectPathsGetHere() throws Exception {
    SSLContext boring = MeshTls.forConnections(client, id -> true, MeshTls.Provider.BORINGSSL);
    SSLContext jdk = MeshTls.forConnections(client, id -> true, MeshTls.Provider.JDK);
    assertThat(boring.getProvider().getName()).isEqualTo("Conscrypt");
    assertThat(boring.createSSLEngine().getClass().getName()).startsWith("org.conscrypt.");
    assertThat(jdk.getProvider().getName()).isEqualTo("SunJSSE");
  }

  @Test
  void mutualTlsBetweenBoringSslSocketAndBoringSslEngine() throws Exception {
    SSLContext tls =
        MeshTls.forConnections(client, id -> id.equals(REVIEWS), MeshTls.Provider.BORINGSSL);
    try (SSLSocket s = connect(tls)) {
      assertThat(s.getClass().getName()).startsWith("org.conscrypt.");
      roundTrip(s, 7);
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
      X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
      assertThat(SvidVerifier.spiffeId(peer)).isEqualTo(REVIEWS);
    }
    assertThat(SvidVerifier.spiffeId(SEEN_CLIENT.get(5, TimeUnit.SECONDS))).isEqualTo(PRODUCTPAGE);
  }

  @Test
  void aServerOutsideTheAllowedIdentitiesIsRefused() throws Exception {
    SSLContext tls =
        MeshTls.forConnections(client, id -> id.equals(RATINGS), MeshTls.Provider.BORINGSSL);
    assertThatThrownBy(() -> connect(tls).close()).isInstanceOf(SSLException.class);
  }

  @Test
  void aServerSocketLayeredOverConsumedBytesStillHandshakes() throws Exception {
    // The blocking-accept inbound reads the ClientHello's first bytes before it knows it is TLS.
    SSLContext serverTls = MeshTls.forConnections(server, id -> true, MeshTls.Provider.BORINGSSL);
    SSLContext clientTls =
        MeshTls.forConnections(client, id -> id.equals(REVIEWS), MeshTls.Provider.BORINGSSL);
    try (ServerSocket accepting =
        new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served =
          CompletableFuture.runAsync(
              () -> {
                try (Socket raw = accepting.accept()) {
                  raw.setSoTimeout(5_000);
                  byte[] first = raw.getInputStream().readNBytes(5);
                  InputStream consumed = new ByteArrayInputStream(first);
                  try (SSLSocket tls =
                      (SSLSocket) serverTls.getSocketFactory().createSocket(raw, consumed, true)) {
                    tls.setUseClientMode(false);
                    tls.setNeedClientAuth(true);
                    int b = tls.getInputStream().read();
                    tls.getOutputStream().write(b);
                    tls.getOutputStream().flush();
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Socket raw = new Socket("127.0.0.1", accepting.getLocalPort());
      try (SSLSocket s =
          (SSLSocket)
              clientTls
                  .getSocketFactory()
                  .createSocket(raw, "127.0.0.1", accepting.getLocalPort(), true)) {
        s.setSoTimeout(5_000);
        roundTrip(s, 9);
      }
      served.get(5, TimeUnit.SECONDS);
    }
  }
}
