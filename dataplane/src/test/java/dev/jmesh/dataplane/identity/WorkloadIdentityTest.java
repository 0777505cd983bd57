package dev.jmesh.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    // Half of what was left when it arrived, less up to 5 %: at most 1.65 s before notAfter
    // (less when signing took a while on a loaded machine). Half of notBefore..notAfter would be
    // 2 to 2.2 s: the test CA backdates notBefore by 1 s, and backdating must not count.
    assertThat(old.notAfterMillis() - server.nextRenewalMillis())
        .isBetween(TTL_MILLIS / 4, TTL_MILLIS / 2 + TTL_MILLIS / 20 + 50);
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

  @Test
  void aFailedRenewalKeepsTheCertificateAndIsRetriedAtOnceWhenTheControlPlaneIsBack()
      throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    CertificateSigner ca4s = ca.signer(REVIEWS.toString(), 4_000);
    CertificateSigner flaky =
        (csr, ttl) -> {
          if (down.get()) {
            throw new CertificateException(
                "the control plane at 127.0.0.1:15012 is unreachable (UNAVAILABLE: test)");
          }
          return ca4s.sign(csr, ttl);
        };
    try (WorkloadIdentity identity = new WorkloadIdentity(REVIEWS, flaky, 4)) {
      identity.updateTrustBundle(ca.bundle("cluster.local"));
      identity.start();
      assertThat(identity.awaitFirst(10, TimeUnit.SECONDS)).isTrue();
      Svid first = identity.current();
      // Healthy: asking does not renew early.
      identity.renewIfFailing();
      Thread.sleep(200);
      assertThat(identity.current()).isSameAs(first);

      down.set(true);
      // The renewal at ~2 s fails, and its retry 0.5-1 s later: the next is 1-2 s away.
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> identity.failures() >= 2);
      assertThat(identity.current()).as("the certificate in force stays").isSameAs(first);
      assertThat(identity.lastFailure()).contains("unreachable");

      down.set(false);
      long asked = System.nanoTime();
      identity.renewIfFailing();
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> identity.current() != first);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked))
          .as("renewed when asked, not at the retry 1-2 s later")
          .isLessThan(800);
      // Cleared right after the new certificate is published.
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> identity.lastFailure() == null);
      assertThat(identity.failures()).isEqualTo(2);
    }
  }
}
