package dev.jmesh.instrumentation.okhttp.v3_9;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed identities made in memory, and contexts that trust exactly one peer. */
final class TestTls {

  record Identity(KeyPair keys, X509Certificate certificate) {}

  static final Identity SERVER = identity("server");
  static final Identity WORKLOAD = identity("workload");
  static final Identity STRANGER = identity("stranger");

  private TestTls() {}

  static Identity identity(String commonName) {
    try {
      return generate(commonName);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Identity generate(String commonName) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    KeyPair keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=" + commonName);
    long now = System.currentTimeMillis();
    X509Certificate certificate =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        name,
                        BigInteger.valueOf(now),
                        new Date(now - 60_000),
                        new Date(now + 3_600_000),
                        name,
                        keys.getPublic())
                    .build(
                        new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    return new Identity(keys, certificate);
  }

  /** A context that presents {@code own} and trusts only {@code peer}. */
  static SSLContext context(Identity own, Identity peer) throws Exception {
    char[] password = "test".toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "own", own.keys().getPrivate(), password, new X509Certificate[] {own.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("peer", peer.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }
}
