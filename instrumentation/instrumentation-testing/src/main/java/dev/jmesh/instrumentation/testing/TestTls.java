package dev.jmesh.instrumentation.testing;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Two workloads' TLS for the mTLS tests: each has a self-signed certificate and trusts only the
 * other's, as the mesh's contexts trust only the mesh's identities.
 */
public final class TestTls {

  public final SSLContext client;
  public final SSLContext server;

  public TestTls() throws Exception {
    KeyPair clientKeys = keys();
    KeyPair serverKeys = keys();
    X509Certificate clientCert = selfSigned("CN=productpage", clientKeys);
    X509Certificate serverCert = selfSigned("CN=reviews", serverKeys);
    client = context(clientKeys, clientCert, serverCert);
    server = context(serverKeys, serverCert, clientCert);
  }

  private static KeyPair keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate selfSigned(String name, KeyPair keys) throws Exception {
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name(name),
            BigInteger.valueOf(System.nanoTime()),
            new Date(System.currentTimeMillis() - 60_000),
            new Date(System.currentTimeMillis() + 3_600_000),
            new X500Name(name),
            keys.getPublic());
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
  }

  private static SSLContext context(KeyPair keys, X509Certificate own, X509Certificate peer)
      throws Exception {
    char[] pw = "test".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("own", keys.getPrivate(), pw, new X509Certificate[] {own});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("peer", peer);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return c;
  }
}
