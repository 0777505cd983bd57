package dev.jmesh.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.controlplane.ca.IssuanceRefused.Reason;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
  private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
  @TempDir Path tmp;
  private Path caDir;
  private CertificateAuthority ca;

  @BeforeEach
  void open() throws Exception {
    caDir = tmp.resolve("ca");
    ca = new CertificateAuthority(new CaDirectory(caDir),
        CertificateAuthority.Settings.defaults(() -> "cluster.local"),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void issuedCertificateFollowsTheX509SvidRules() throws Exception {
    IssuedCertificate issued = ca.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0);
    X509Certificate leaf = issued.leaf();

    assertThat(leaf.getSubjectAlternativeNames()).hasSize(1);
    List<?> san = leaf.getSubjectAlternativeNames().iterator().next();
    assertThat(List.<Object>copyOf(san))
        .containsExactly(6, "spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
    assertThat(leaf.getCriticalExtensionOIDs()).contains(
        Extension.subjectAlternativeName.getId(), Extension.basicConstraints.getId(),
        Extension.keyUsage.getId());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    // digitalSignature only: no keyEncipherment for an EC key, never keyCertSign or cRLSign.
    assertThat(leaf.getKeyUsage()).containsExactly(true, false, false, false, false, false,
        false, false, false);
    assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder(
        "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    byte[] aki = AuthorityKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
        leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId()))).getKeyIdentifier();
    byte[] caSki = SubjectKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
        ca.state().signer().certificate().getExtensionValue(
            Extension.subjectKeyIdentifier.getId()))).getKeyIdentifier();
    assertThat(aki).isEqualTo(caSki);
    assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
    assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(2)));
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    assertThat(leaf.getSerialNumber().bitLength()).isEqualTo(128);
    assertThat(issued.chain()).hasSize(2).endsWith(ca.state().signer().root());
    leaf.verify(ca.state().signer().root().getPublicKey());
  }

  @Test
  void rsaKeysAlsoGetKeyEncipherment() throws Exception {
    X509Certificate leaf = ca.issue("default", "reviews",
        TestPki.csr(TestPki.rsa(2048)), 0).leaf();
    assertThat(leaf.getKeyUsage()[0]).isTrue();
    assertThat(leaf.getKeyUsage()[2]).isTrue();
    assertThat(leaf.getKeyUsage()[5]).isFalse();
  }

  @Test
  void lifetimeIsRequestedDefaultOrCapped() throws Exception {
    String csr = TestPki.csr(TestPki.ec());
    assertThat(ca.issue("a", "b", csr, 3600).leaf().getNotAfter().toInstant())
        .isEqualTo(NOW.plusSeconds(3600));
    assertThat(ca.issue("a", "b", csr, Duration.ofDays(400).toSeconds()).leaf().getNotAfter()
        .toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
    assertThat(ca.issue("a", "b", csr, -5).leaf().getNotAfter().toInstant())
        .isEqualTo(NOW.plus(Duration.ofHours(24)));
  }

  @Test
  void csrAskingForAnotherIdentityGetsTheCallers() throws Exception {
    String greedy = TestPki.csr(TestPki.ec(), "CN=admin, O=kube-system",
        "spiffe://cluster.local/ns/kube-system/sa/admin");
    X509Certificate leaf = ca.issue("default", "reviews", greedy, 0).leaf();
    assertThat(leaf.getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList())
        .containsExactly("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(leaf.getSubjectX500Principal().getName()).doesNotContain("admin");
  }

  @Test
  void badCsrsAreRefusedWithAReasonAndCounted() throws Exception {
    assertThatThrownBy(() -> ca.issue("a", "b", "hello", 0))
        .isInstanceOfSatisfying(IssuanceRefused.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_CSR))
        .hasMessageContaining("PKCS#10");

    // A CSR whose signature was made by another key: the sender does not hold the key.
    KeyPair mine = TestPki.ec();
    String other = TestPki.csr(TestPki.ec());
    String forged = swapSignature(TestPki.csr(mine), other);
    assertThatThrownBy(() -> ca.issue("a", "b", forged, 0))
        .isInstanceOfSatisfying(IssuanceRefused.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CSR_SIGNATURE_INVALID))
        .hasMessageContaining("does not verify");

    assertThatThrownBy(() -> ca.issue("a", "b", TestPki.csr(TestPki.rsa(1024)), 0))
        .isInstanceOfSatisfying(IssuanceRefused.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_KEY))
        .hasMessageContaining("1024");

    assertThat(ca.metrics().rejected(Reason.MALFORMED_CSR)).isEqualTo(1);
    assertThat(ca.metrics().rejected(Reason.CSR_SIGNATURE_INVALID)).isEqualTo(1);
    assertThat(ca.metrics().rejected(Reason.UNSUPPORTED_KEY)).isEqualTo(1);
    assertThat(ca.metrics().issued()).isZero();
    assertThat(ca.metrics().prometheus(ca.state()))
        .contains("jmesh_ca_certificates_rejected_total{reason=\"csr_signature_invalid\"} 1");
  }

  /** The request info of {@code csrPem} with the signature of {@code donorPem}. */
  private static String swapSignature(String csrPem, String donorPem) throws Exception {
    var csr = Pem.csr(csrPem).toASN1Structure();
    var donor = Pem.csr(donorPem).toASN1Structure();
    var forged = new org.bouncycastle.asn1.pkcs.CertificationRequest(
        csr.getCertificationRequestInfo(), donor.getSignatureAlgorithm(), donor.getSignature());
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder().encodeToString(forged.getEncoded())
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  @Test
  void theSameIdentityAgainCountsAsARenewal() throws Exception {
    ca.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0);
    ca.issue("default", "ratings", TestPki.csr(TestPki.ec()), 0);
    ca.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0);
    assertThat(ca.metrics().issued()).isEqualTo(3);
    assertThat(ca.metrics().renewed()).isEqualTo(1);
  }

  @Test
  void opensslVerifiesAnIssuedCertificateAgainstTheRoot() throws Exception {
    CertificateAuthority real = CertificateAuthority.open(tmp.resolve("real"),
        CertificateAuthority.Settings.defaults(() -> "cluster.local"));
    IssuedCertificate issued = real.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0);
    TestPki.writePem(tmp.resolve("leaf.pem"), List.of(issued.leaf()));
    String out = TestPki.openssl(tmp, "verify", "-CAfile",
        tmp.resolve("real").resolve("root-cert.pem").toString(), "leaf.pem");
    assertThat(out).isEqualTo("exit 0: leaf.pem: OK");
    // openssl also checks the purpose both ways.
    assertThat(TestPki.openssl(tmp, "verify", "-purpose", "sslclient", "-CAfile",
        tmp.resolve("real").resolve("root-cert.pem").toString(), "leaf.pem")).startsWith("exit 0");
    assertThat(TestPki.openssl(tmp, "x509", "-in", "leaf.pem", "-noout", "-ext",
        "subjectAltName")).contains("critical", "URI:spiffe://cluster.local/ns/default/sa/reviews");
  }

  @Test
  void theSpiffeLibraryAcceptsTheCertificateAsAnX509Svid() throws Exception {
    KeyPair key = TestPki.ec();
    IssuedCertificate issued = CertificateAuthority.open(tmp.resolve("real"),
        CertificateAuthority.Settings.defaults(() -> "example.org"))
        .issue("shop", "cart", TestPki.csr(key), 0);
    ByteArrayOutputStream der = new ByteArrayOutputStream();
    for (X509Certificate c : issued.chain()) {
      der.write(c.getEncoded());
    }
    X509Svid svid = X509Svid.parseRaw(der.toByteArray(), key.getPrivate().getEncoded());
    assertThat(svid.getSpiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/ns/shop/sa/cart"));
    X509Bundle bundle = new X509Bundle(TrustDomain.parse("example.org"),
        Set.of(issued.chain().get(issued.chain().size() - 1)));
    X509SvidValidator.verifyChain(svid.getChain(), bundle);
  }

  @Test
  void aGeneratedCaDirectoryIsOwnerOnly() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        caDir.resolve("ca-key.pem")))).isEqualTo("rw-------");
    assertThat(Files.readString(caDir.resolve("ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY");
    assertThat(caDir.resolve("root-cert.pem")).exists();
    assertThat(caDir.resolve("cert-chain.pem")).exists();
    try (var files = Files.list(caDir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
    // Reopening loads the same root instead of making a new one.
    CertificateAuthority again = CertificateAuthority.open(caDir,
        CertificateAuthority.Settings.defaults(() -> "cluster.local"));
    assertThat(again.state().signer().rootFingerprint())
        .isEqualTo(ca.state().signer().rootFingerprint());
    assertThat(ca.state().signer().root().getPublicKey().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void anIntermediateUnderACorporateRootSignsWithItsChain() throws Exception {
    KeyPair rootKey = TestPki.rsa(2048);
    X509Certificate corpRoot = TestPki.caCertificate("CN=Corp Root, O=Corp", rootKey, null, null);
    KeyPair interKey = TestPki.ec();
    X509Certificate inter = TestPki.caCertificate("CN=Mesh Intermediate, O=Corp", interKey,
        corpRoot, rootKey.getPrivate());
    Path cacerts = tmp.resolve("cacerts");
    Files.createDirectory(cacerts);
    TestPki.writePem(cacerts.resolve("ca-cert.pem"), List.of(inter));
    Files.writeString(cacerts.resolve("ca-key.pem"), Pem.encode(interKey.getPrivate()));
    TestPki.writePem(cacerts.resolve("root-cert.pem"), List.of(corpRoot));
    TestPki.writePem(cacerts.resolve("cert-chain.pem"), List.of(inter, corpRoot));

    CertificateAuthority plugged = CertificateAuthority.open(cacerts,
        CertificateAuthority.Settings.defaults(() -> "cluster.local"));
    KeyPair key = TestPki.ec();
    IssuedCertificate issued = plugged.issue("default", "reviews", TestPki.csr(key), 0);
    assertThat(issued.chain()).hasSize(3);
    assertThat(issued.chain().get(1)).isEqualTo(inter);
    assertThat(issued.chain().get(2)).isEqualTo(corpRoot);
    assertThat(plugged.trustBundle().roots()).containsExactly(corpRoot);

    TestPki.writePem(tmp.resolve("leaf.pem"), List.of(issued.leaf()));
    TestPki.writePem(tmp.resolve("chain.pem"), List.of(inter));
    assertThat(TestPki.openssl(tmp, "verify", "-CAfile", cacerts.resolve("root-cert.pem")
        .toString(), "-untrusted", "chain.pem", "leaf.pem")).isEqualTo("exit 0: leaf.pem: OK");
    // Without the intermediate the leaf does not verify: the chain is what makes it work.
    assertThat(TestPki.openssl(tmp, "verify", "-CAfile", cacerts.resolve("root-cert.pem")
        .toString(), "leaf.pem")).startsWith("exit 2");

    ByteArrayOutputStream der = new ByteArrayOutputStream();
    for (X509Certificate c : issued.chain()) {
      der.write(c.getEncoded());
    }
    X509Svid svid = X509Svid.parseRaw(der.toByteArray(), key.getPrivate().getEncoded());
    X509SvidValidator.verifyChain(svid.getChain(),
        new X509Bundle(TrustDomain.parse("cluster.local"), Set.of(corpRoot)));
  }

  @Test
  void aPluggedKeyReadableByOthersIsWarnedAbout() throws Exception {
    Path cacerts = tmp.resolve("cacerts");
    Files.createDirectory(cacerts);
    KeyPair k = TestPki.ec();
    TestPki.writePem(cacerts.resolve("ca-cert.pem"),
        List.of(TestPki.caCertificate("CN=R", k, null, null)));
    Files.writeString(cacerts.resolve("ca-key.pem"), Pem.encode(k.getPrivate()));
    Files.setPosixFilePermissions(cacerts.resolve("ca-key.pem"),
        PosixFilePermissions.fromString("rw-r--r--"));
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(CaDirectory.class.getName());
    java.util.logging.Handler h = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        warnings.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    try {
      CertificateAuthority.open(cacerts,
          CertificateAuthority.Settings.defaults(() -> "cluster.local"));
    } finally {
      log.removeHandler(h);
    }
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("ca-key.pem",
        "readable by group or others", "chmod 600"));
  }

  @Test
  void spiffePathsRefuseDotSegments() {
    assertThatThrownBy(() -> new WorkloadIdentity("cluster.local", "..", "sa"))
        .hasMessageContaining("SPIFFE");
    assertThatThrownBy(() -> new WorkloadIdentity("Cluster.Local", "ns", "sa"))
        .hasMessageContaining("trust domain");
  }

  @Test
  void aCaKeyThatIsNotTheCertificatesIsRefusedWithTheFileNamed() throws Exception {
    Path cacerts = tmp.resolve("cacerts");
    Files.createDirectory(cacerts);
    KeyPair k = TestPki.ec();
    X509Certificate root = TestPki.caCertificate("CN=R", k, null, null);
    TestPki.writePem(cacerts.resolve("ca-cert.pem"), List.of(root));
    Files.writeString(cacerts.resolve("ca-key.pem"), Pem.encode(TestPki.ec().getPrivate()));
    assertThatThrownBy(() -> CertificateAuthority.open(cacerts,
        CertificateAuthority.Settings.defaults(() -> "cluster.local")))
        .hasMessageContaining("ca-key.pem is not the key of ca-cert.pem")
        .hasMessageNotContaining("PRIVATE KEY");
  }

  @Test
  void rotationTrustsBothRootsUntilItCompletes() throws Exception {
    String oldRoot = ca.state().signer().rootFingerprint();
    X509Certificate oldLeaf = ca.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0).leaf();
    CaDirectory dir = new CaDirectory(caDir);

    SigningAuthority next = dir.startRotation(CertificateAuthority.ORGANIZATION);
    assertThat(ca.reloadIfChanged()).isTrue();
    assertThat(ca.state().signer().rootFingerprint()).isEqualTo(oldRoot);
    assertThat(ca.trustBundle().fingerprints()).containsExactly(oldRoot, next.rootFingerprint());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        caDir.resolve("next").resolve("ca-key.pem")))).isEqualTo("rw-------");
    assertThatThrownBy(() -> dir.startRotation("jmesh")).hasMessageContaining("already started");

    dir.activateRotation();
    assertThat(ca.reloadIfChanged()).isTrue();
    assertThat(ca.state().signer().rootFingerprint()).isEqualTo(next.rootFingerprint());
    assertThat(ca.trustBundle().fingerprints())
        .containsExactlyInAnyOrder(oldRoot, next.rootFingerprint());
    X509Certificate newLeaf = ca.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0).leaf();
    newLeaf.verify(next.root().getPublicKey());
    // The old leaf still chains to a root of the bundle.
    oldLeaf.verify(ca.trustBundle().roots().stream()
        .filter(r -> dev.jmesh.ca.api.RootFingerprint.of(r).equals(oldRoot)).findFirst()
        .orElseThrow().getPublicKey());
    assertThat(caDir.resolve("next")).doesNotExist();

    dir.completeRotation();
    assertThat(ca.reloadIfChanged()).isTrue();
    assertThat(ca.trustBundle().fingerprints()).containsExactly(next.rootFingerprint());
    assertThat(ca.state().phase()).startsWith("steady");
  }

  @Test
  void aHalfWrittenDirectoryKeepsTheLastGoodCa() throws Exception {
    String before = ca.state().signer().rootFingerprint();
    Files.writeString(caDir.resolve("ca-key.pem"), Pem.encode(TestPki.ec().getPrivate()));
    assertThat(ca.reloadIfChanged()).isFalse();
    assertThat(ca.state().signer().rootFingerprint()).isEqualTo(before);
    assertThat(ca.issue("a", "b", TestPki.csr(TestPki.ec()), 0)).isNotNull();
  }
}
