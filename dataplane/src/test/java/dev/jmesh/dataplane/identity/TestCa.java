package dev.jmesh.dataplane.identity;

import java.io.StringReader;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A certificate authority for tests only (the control plane's CA is the real one), able to issue
 * the defective certificates the verifier must refuse.
 */
public final class TestCa {

  private static final AtomicLong SERIAL = new AtomicLong(1000);

  final KeyPair keys;
  final X509Certificate root;

  public TestCa(String name) throws Exception {
    keys = ecKeys();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name("O=" + name),
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            new Date(System.currentTimeMillis() - 60_000),
            new Date(System.currentTimeMillis() + 86_400_000L),
            new X500Name("O=" + name),
            keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    root = sign(b, keys);
  }

  static KeyPair ecKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  public TrustBundle bundle(String trustDomain) {
    return new TrustBundle(trustDomain, List.of(root));
  }

  /** What a leaf looks like; tests change one thing at a time. */
  static final class Leaf {
    List<String> uris = new ArrayList<>();
    List<String> dnsNames = new ArrayList<>();
    long notBeforeMillis = System.currentTimeMillis() - 120_000;
    long notAfterMillis = System.currentTimeMillis() + 3_600_000;
    boolean ca;
    int keyUsage = KeyUsage.digitalSignature;

    Leaf(String... uris) {
      this.uris.addAll(List.of(uris));
    }
  }

  X509Certificate issue(PublicKey subject, Leaf leaf) throws Exception {
    return issue(subject, leaf, keys, root);
  }

  static X509Certificate issue(
      PublicKey subject, Leaf leaf, KeyPair issuerKeys, X509Certificate issuer) throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            issuer,
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            new Date(leaf.notBeforeMillis),
            new Date(leaf.notAfterMillis),
            new X500Name(""),
            subject);
    GeneralName[] names = new GeneralName[leaf.uris.size() + leaf.dnsNames.size()];
    for (int i = 0; i < leaf.uris.size(); i++) {
      names[i] = new GeneralName(GeneralName.uniformResourceIdentifier, leaf.uris.get(i));
    }
    for (int i = 0; i < leaf.dnsNames.size(); i++) {
      names[leaf.uris.size() + i] = new GeneralName(GeneralName.dNSName, leaf.dnsNames.get(i));
    }
    if (names.length > 0) {
      b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(names));
    }
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(leaf.ca));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(leaf.keyUsage));
    b.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    return sign(b, issuerKeys);
  }

  /** An intermediate CA under this root. */
  X509Certificate intermediate(KeyPair intermediateKeys) throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            root,
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            new Date(System.currentTimeMillis() - 60_000),
            new Date(System.currentTimeMillis() + 86_400_000L),
            new X500Name("O=intermediate"),
            intermediateKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return sign(b, keys);
  }

  /**
   * A started workload identity for {@code id} in {@code trustDomain}, its certificate issued by
   * this CA for {@code ttlMillis}; throws if none came within 10 s.
   */
  public WorkloadIdentity workload(SpiffeId id, String trustDomain, long ttlMillis)
      throws InterruptedException {
    WorkloadIdentity identity =
        new WorkloadIdentity(id, signer(id.toString(), ttlMillis), ttlMillis / 1000);
    identity.updateTrustBundle(bundle(trustDomain));
    identity.start();
    if (!identity.awaitFirst(10, java.util.concurrent.TimeUnit.SECONDS)) {
      identity.close();
      throw new IllegalStateException("no certificate for " + id + " within 10 s");
    }
    return identity;
  }

  /**
   * A signer that issues what the caller is, whatever the CSR asks (the CSR's signature is checked,
   * its SAN ignored), for {@code ttlMillis}.
   */
  public CertificateSigner signer(String callerUri, long ttlMillis) {
    return (csrPem, ttlSeconds) -> {
      PKCS10CertificationRequest csr;
      try (PEMParser p = new PEMParser(new StringReader(csrPem))) {
        csr = (PKCS10CertificationRequest) p.readObject();
      }
      JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(csr);
      if (!csr.isSignatureValid(
          new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
              .build(jca.getPublicKey()))) {
        throw new IllegalArgumentException("bad CSR signature");
      }
      Leaf leaf = new Leaf(callerUri);
      leaf.notBeforeMillis = System.currentTimeMillis() - 1_000;
      leaf.notAfterMillis = System.currentTimeMillis() + ttlMillis;
      return List.of(issue(jca.getPublicKey(), leaf));
    };
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
  }
}
