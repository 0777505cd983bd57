package dev.jmesh.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two workload identities with certificates living 3 s, a BoringSSL server (Netty) and a JDK
 * client, over real loopback TLS. The CA is a test CA ({@link TestCa}); the control plane's own CA
 * is exercised by its tests and the forked ones.
 */
class WorkloadIdentityTest {

  private static final SpiffeId REVIEWS = SpiffeId.workload("cluster.local", "default", "reviews");
  private static final SpiffeId PRODUCTPAGE =
      SpiffeId.workload("cluster.local", "default", "productpage");
  private static final long TTL_MILLIS = 3_000;

  private static TestCa ca;
  private static WorkloadIdentity server;
  private static WorkloadIdentity client;
  private static TlsEchoServer echo;

  @BeforeAll
  static void start() throws Exception {
    ca = new TestCa("mesh root");
    server = ca.workload(REVIEWS, "cluster.local", TTL_MILLIS);
    client = ca.workload(PRODUCTPAGE, "cluster.local", TTL_MILLIS);
    SslContext tls = MeshTls.server(server, MeshTls.Provider.BORINGSSL);
    echo = new TlsEchoServer(ch -> tls.newHandler(ch.alloc()));
  }

  @AfterAll
  static void stop() {
    echo.close();
    server.close();
    client.close();
  }

  private static SSLSocket connect() throws Exception {
    SSLSocket s =
        (SSLSocket)
            MeshTls.jdk(client, id -> id.equals(REVIEWS))
                .getSocketFactory()
                .createSocket("127.0.0.1", echo.port());
    s.setSoTimeout(5_000);
    s.startHandshake();
    return s;
  }

  private static void roundTrip(SSLSocket s, int value) throws Exception {
    OutputStream out = s.getOutputStream();
    out.write(value);
    out.flush();
    assertThat(new DataInputStream(s.getInputStream()).read()).isEqualTo(value);
  }

  private static BigInteger serverSerial(SSLSocket s) throws Exception {
    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
  }

  @Test
  void boringSslIsAvailableHere() {
    // The mesh runs BoringSSL on these machines; the JDK fallback is for others.
    assertThat(OpenSsl.isAvailable()).as(String.valueOf(OpenSsl.unavailabilityCause())).isTrue();
    assertThat(MeshTls.effective(MeshTls.Provider.BORINGSSL)).isEqualTo(MeshTls.Provider.BORINGSSL);
  }

  @Test
  void renewalAtHalfLifeKeepsOldConnectionsAndServesNewOnes() throws Exception {
    SSLSocket before = connect();
    roundTrip(before, 1);
    BigInteger firstSerial = serverSerial(before);
    long renewalsBefore = server.renewals();
    Svid old = server.current();
    long lifetime = old.notAfterMillis() - old.notBeforeMillis();
    assertThat(server.nextRenewalMillis() - old.notBeforeMillis())
        .isBetween(lifetime / 2 - lifetime / 20 - 1, lifetime / 2);

    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.renewals() > renewalsBefore && client.renewals() > 0);
    // The connection made under the old certificates carries on.
    roundTrip(before, 2);
    try (SSLSocket after = connect()) {
      roundTrip(after, 3);
      // The test CA's serials only grow: the new connection got a certificate issued after the
      // first (the current one, or its successor if yet another renewal raced the check).
      assertThat(serverSerial(after)).isGreaterThan(firstSerial);
    }
    before.close();
    assertThat(server.current().generation()).isGreaterThan(old.generation());
    assertThat(server.current().key()).isNotEqualTo(old.key());
  }

  @Test
  void aCertificateForAnotherIdentityIsRefused() throws Exception {
    try (WorkloadIdentity impostor =
        new WorkloadIdentity(
            REVIEWS, ca.signer("spiffe://cluster.local/ns/default/sa/ratings", 60_000), 60)) {
      impostor.updateTrustBundle(ca.bundle("cluster.local"));
      impostor.start();
      assertThat(impostor.awaitFirst(1, TimeUnit.SECONDS)).isFalse();
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> impostor.lastFailure() != null);
      assertThat(impostor.lastFailure())
          .isEqualTo(
              "the CA issued spiffe://cluster.local/ns/default/sa/ratings, expected " + REVIEWS);
      assertThat(impostor.current()).isNull();
    }
  }
}
