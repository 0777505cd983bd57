package dev.jmesh.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A root rotation between two workload identities, as the control plane's CA runs it (start:
 * bundles carry old and new root; activate: new certificates come from the new root; complete:
 * bundles carry the new root only), with mutual-TLS connections made throughout: none fails. The CA
 * here is a test CA ({@link TestCa}); the real one's rotation is tested in the control plane.
 */
class RootRotationTest {

  private static final SpiffeId REVIEWS = SpiffeId.workload("cluster.local", "default", "reviews");
  private static final SpiffeId PRODUCTPAGE =
      SpiffeId.workload("cluster.local", "default", "productpage");

  private final AtomicReference<TestCa> issuing = new AtomicReference<>();
  private WorkloadIdentity server;
  private WorkloadIdentity client;
  private SSLServerSocket listener;
  private Thread acceptor;
  private final AtomicInteger serverFailures = new AtomicInteger();

  @AfterEach
  void stop() throws Exception {
    listener.close();
    acceptor.join(5_000);
    server.close();
    client.close();
  }

  /** A signer whose CA the test switches, as activating a rotation switches the CA's root. */
  private CertificateSigner signer(SpiffeId id) {
    return (csr, ttl) -> issuing.get().signer(id.toString(), 2_000).sign(csr, ttl);
  }

  private WorkloadIdentity identity(SpiffeId id, TrustBundle bundle) throws Exception {
    WorkloadIdentity identity = new WorkloadIdentity(id, signer(id), 2);
    identity.updateTrustBundle(bundle);
    identity.start();
    assertThat(identity.awaitFirst(10, TimeUnit.SECONDS)).isTrue();
    return identity;
  }

  private void serve() throws Exception {
    listener =
        (SSLServerSocket)
            MeshTls.jdk(server, id -> true)
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    listener.setNeedClientAuth(true);
    acceptor =
        new Thread(
            () -> {
              while (!listener.isClosed()) {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.setSoTimeout(5_000);
                  int b = s.getInputStream().read();
                  s.getOutputStream().write(b);
                  s.getOutputStream().flush();
                } catch (java.net.SocketException closed) {
                  return;
                } catch (Exception handshakeOrIo) {
                  serverFailures.incrementAndGet();
                }
              }
            });
    acceptor.start();
  }

  /** One mutual-TLS round trip; returns the root that signed the server's certificate. */
  private X509Certificate connectOnce(List<X509Certificate> roots) throws Exception {
    try (SSLSocket s =
        (SSLSocket)
            MeshTls.jdk(client, REVIEWS::equals)
                .getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(7);
      out.flush();
      assertThat(new DataInputStream(s.getInputStream()).read()).isEqualTo(7);
      X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
      for (X509Certificate root : roots) {
        try {
          leaf.verify(root.getPublicKey());
          return root;
        } catch (java.security.GeneralSecurityException notThisOne) {
          // try the next
        }
      }
      throw new AssertionError("the server's certificate chains to no known root");
    }
  }

  private static boolean signedBy(WorkloadIdentity identity, TestCa ca) {
    try {
      identity.current().leaf().verify(ca.root.getPublicKey());
      return true;
    } catch (java.security.GeneralSecurityException otherRoot) {
      return false;
    }
  }

  @Test
  void aRootRotationCompletesWithoutAFailedHandshake() throws Exception {
    TestCa oldRoot = new TestCa("root 1");
    TestCa newRoot = new TestCa("root 2");
    issuing.set(oldRoot);
    TrustBundle before = oldRoot.bundle("cluster.local");
    server = identity(REVIEWS, before);
    client = identity(PRODUCTPAGE, before);
    serve();
    List<X509Certificate> roots = List.of(oldRoot.root, newRoot.root);
    assertThat(connectOnce(roots)).isEqualTo(oldRoot.root);

    // start: every workload trusts both roots.
    TrustBundle overlap = new TrustBundle("cluster.local", roots);
    server.updateTrustBundle(overlap);
    client.updateTrustBundle(overlap);
    assertThat(connectOnce(roots)).isEqualTo(oldRoot.root);

    // activate: renewals now come from the new root; until both have renewed, one side still
    // holds an old-root certificate, and connections keep working.
    // Waiting for the certificates in force, not for a renewal count: a renewal that asked the old
    // root just before the switch still counts as one, and once slipped through on a loaded machine.
    issuing.set(newRoot);
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              connectOnce(roots);
              return signedBy(server, newRoot) && signedBy(client, newRoot);
            });
    assertThat(connectOnce(roots)).isEqualTo(newRoot.root);

    // complete: the old root leaves the bundles.
    TrustBundle after = newRoot.bundle("cluster.local");
    server.updateTrustBundle(after);
    client.updateTrustBundle(after);
    for (int i = 0; i < 5; i++) {
      assertThat(connectOnce(roots)).isEqualTo(newRoot.root);
    }
    assertThat(serverFailures).hasValue(0);
    assertThat(server.failures() + client.failures()).isZero();
  }
}
