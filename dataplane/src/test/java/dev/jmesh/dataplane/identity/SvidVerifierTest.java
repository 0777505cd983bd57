package dev.jmesh.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SvidVerifierTest {

  private static final String REVIEWS = "spiffe://cluster.local/ns/default/sa/reviews";

  private static TestCa ca;
  private static TrustBundle bundle;
  private static KeyPair keys;

  @BeforeAll
  static void setUp() throws Exception {
    ca = new TestCa("mesh root");
    bundle = ca.bundle("cluster.local");
    keys = TestCa.ecKeys();
  }

  private static SpiffeId verify(X509Certificate... chain) throws CertificateException {
    return SvidVerifier.verify(chain, bundle, new Date());
  }

  @Test
  void aGoodSvidYieldsItsIdentity() throws Exception {
    X509Certificate leaf = ca.issue(keys.getPublic(), new TestCa.Leaf(REVIEWS));
    SpiffeId id = verify(leaf);
    assertThat(id).isEqualTo(SpiffeId.workload("cluster.local", "default", "reviews"));
    assertThat(id.namespace()).isEqualTo("default");
    assertThat(id.serviceAccount()).isEqualTo("reviews");
    // A chain that repeats the root verifies as well.
    assertThat(verify(leaf, ca.root)).isEqualTo(id);
  }

  @Test
  void aChainThroughAnIntermediateVerifies() throws Exception {
    KeyPair intermediateKeys = TestCa.ecKeys();
    X509Certificate intermediate = ca.intermediate(intermediateKeys);
    X509Certificate leaf =
        TestCa.issue(keys.getPublic(), new TestCa.Leaf(REVIEWS), intermediateKeys, intermediate);
    assertThat(verify(leaf, intermediate).serviceAccount()).isEqualTo("reviews");
    assertThatThrownBy(() -> verify(leaf))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("does not verify against the trust bundle of cluster.local");
  }

  @Test
  void aForgedCertificateIsRefused() throws Exception {
    // Same name as the real root, different key: only the signature tells them apart.
    TestCa forger = new TestCa("mesh root");
    X509Certificate forged = forger.issue(keys.getPublic(), new TestCa.Leaf(REVIEWS));
    assertThatThrownBy(() -> verify(forged))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("peer " + REVIEWS + ": the certificate chain does not verify");
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    TestCa.Leaf old = new TestCa.Leaf(REVIEWS);
    old.notBeforeMillis = System.currentTimeMillis() - 7_200_000;
    old.notAfterMillis = System.currentTimeMillis() - 3_600_000;
    X509Certificate expired = ca.issue(keys.getPublic(), old);
    assertThatThrownBy(() -> verify(expired)).hasMessageContaining("a certificate has expired");
  }

  @Test
  void anotherTrustDomainIsRefused() throws Exception {
    X509Certificate other =
        ca.issue(keys.getPublic(), new TestCa.Leaf("spiffe://example.org/ns/default/sa/reviews"));
    assertThatThrownBy(() -> verify(other))
        .hasMessage(
            "peer spiffe://example.org/ns/default/sa/reviews is of trust domain example.org,"
                + " expected cluster.local");
  }

  @Test
  void twoUriSansAreRefused() throws Exception {
    X509Certificate two =
        ca.issue(
            keys.getPublic(),
            new TestCa.Leaf(REVIEWS, "spiffe://cluster.local/ns/default/sa/ratings"));
    assertThatThrownBy(() -> verify(two)).hasMessageContaining("more than one URI SAN");
  }

  @Test
  void noSpiffeIdACaLeafAndASigningLeafAreRefused() throws Exception {
    TestCa.Leaf dnsOnly = new TestCa.Leaf();
    dnsOnly.dnsNames.add("reviews.default.svc.cluster.local");
    assertThatThrownBy(() -> verify(ca.issue(keys.getPublic(), dnsOnly)))
        .hasMessageContaining("no URI SAN");
    assertThatThrownBy(
            () -> verify(ca.issue(keys.getPublic(), new TestCa.Leaf("https://reviews/"))))
        .hasMessageContaining("must start with spiffe://");
    TestCa.Leaf caLeaf = new TestCa.Leaf(REVIEWS);
    caLeaf.ca = true;
    assertThatThrownBy(() -> verify(ca.issue(keys.getPublic(), caLeaf)))
        .hasMessageContaining("presented a CA certificate");
    TestCa.Leaf signer = new TestCa.Leaf(REVIEWS);
    signer.keyUsage = KeyUsage.digitalSignature | KeyUsage.keyCertSign;
    assertThatThrownBy(() -> verify(ca.issue(keys.getPublic(), signer)))
        .hasMessageContaining("must not sign certificates");
  }

  @Test
  void theTrustManagerAppliesTheAllowedIdentities() throws Exception {
    X509Certificate leaf = ca.issue(keys.getPublic(), new TestCa.Leaf(REVIEWS));
    SpiffeTrustManager onlyRatings =
        new SpiffeTrustManager(() -> bundle, id -> "ratings".equals(id.serviceAccount()));
    assertThatThrownBy(() -> onlyRatings.checkServerTrusted(new X509Certificate[] {leaf}, "EC"))
        .hasMessage("peer " + REVIEWS + " is not an identity this connection accepts");
    SpiffeTrustManager noBundle = new SpiffeTrustManager(() -> null, id -> true);
    assertThatThrownBy(() -> noBundle.checkClientTrusted(new X509Certificate[] {leaf}, "EC"))
        .hasMessageContaining("no trust bundle yet");
  }
}
