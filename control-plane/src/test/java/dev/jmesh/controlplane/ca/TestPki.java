package dev.jmesh.controlplane.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Keys, CSRs and a corporate PKI for tests, and the real openssl binary. */
final class TestPki {
  private TestPki() {}

  static KeyPair ec() {
    return KeyPairs.ecP256();
  }

  static KeyPair rsa(int bits) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(bits);
    return g.generateKeyPair();
  }

  /** A CSR signed by {@code pair}; {@code uriSan} is what a greedy workload might ask for. */
  static String csr(KeyPair pair, String subject, String uriSan) throws Exception {
    JcaPKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(
        new X500Principal(subject), pair.getPublic());
    if (uriSan != null) {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
          new GeneralName(GeneralName.uniformResourceIdentifier, uriSan)));
      b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
    }
    String alg = pair.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA"
        : "SHA256withRSA";
    PKCS10CertificationRequest csr = b.build(new JcaContentSignerBuilder(alg)
        .build(pair.getPrivate()));
    java.io.StringWriter out = new java.io.StringWriter();
    try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(out)) {
      w.writeObject(csr);
    }
    return out.toString();
  }

  static String csr(KeyPair pair) throws Exception {
    return csr(pair, "CN=workload", null);
  }

  /** A CA certificate for {@code pair} signed by {@code issuer} (null: self-signed). */
  static X509Certificate caCertificate(String subject, KeyPair pair, X509Certificate issuer,
      java.security.PrivateKey issuerKey) throws Exception {
    X500Principal name = new X500Principal(subject);
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        issuer == null ? name : issuer.getSubjectX500Principal(),
        BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
        Date.from(now.plus(Duration.ofDays(365))), name, pair.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    b.addExtension(Extension.subjectKeyIdentifier, false,
        ext.createSubjectKeyIdentifier(pair.getPublic()));
    if (issuer != null) {
      b.addExtension(Extension.authorityKeyIdentifier, false,
          ext.createAuthorityKeyIdentifier(issuer));
    }
    java.security.PrivateKey signer = issuer == null ? pair.getPrivate() : issuerKey;
    String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(alg).build(signer)));
  }

  static Path writePem(Path file, List<X509Certificate> certs) throws IOException {
    Files.writeString(file, Pem.encode(certs), StandardCharsets.US_ASCII);
    return file;
  }

  /** Runs {@code openssl} and returns exit code and output together. */
  static String openssl(Path dir, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("openssl did not finish in 30 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return "exit " + p.exitValue() + ": " + out.strip();
  }
}
