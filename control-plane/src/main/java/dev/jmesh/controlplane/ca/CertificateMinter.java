package dev.jmesh.controlplane.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds the three kinds of certificate the CA makes: its own root, workload X.509-SVIDs and
 * the control plane's TLS server certificate. Every certificate starts two minutes in the past
 * (like Istio) so a peer whose clock is a little behind does not reject it as not yet valid.
 */
final class CertificateMinter {
  static final Duration BACKDATE = Duration.ofMinutes(2);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JcaX509CertificateConverter CONVERTER = new JcaX509CertificateConverter();

  private CertificateMinter() {}

  /** A self-signed EC P-256 root. */
  static SigningAuthority root(String organization, Duration validity, Instant now)
      throws GeneralSecurityException {
    KeyPair pair = KeyPairs.ecP256();
    X500Principal subject = new X500Principal("CN=jmesh root CA, O=" + organization);
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
        Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject,
        pair.getPublic());
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          ext.createSubjectKeyIdentifier(pair.getPublic()));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot encode root extensions", e);
    }
    X509Certificate cert = sign(b, pair.getPrivate());
    return new SigningAuthority(pair.getPrivate(), List.of(cert), cert);
  }

  /**
   * An X.509-SVID by the SPIFFE rules: empty subject and so a critical SAN holding exactly one
   * URI, the SPIFFE ID; not a CA (critical basic constraints); critical key usage
   * digitalSignature, plus keyEncipherment for RSA keys (RSA key exchange); server and client
   * auth; AKI and SKI. Never valid longer than the signing certificate.
   */
  static X509Certificate svid(SigningAuthority ca, PublicKey key, WorkloadIdentity identity,
      Duration ttl, Instant now) throws GeneralSecurityException {
    X509v3CertificateBuilder b = leaf(ca, key, new X500Name(new RDN[0]), ttl, now);
    try {
      b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(
          new GeneralName(GeneralName.uniformResourceIdentifier, identity.spiffeId())));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot encode the SPIFFE ID", e);
    }
    return sign(b, ca.key());
  }

  /** The control plane's TLS certificate: DNS and IP SANs, so clients verify the host. */
  static X509Certificate server(SigningAuthority ca, PublicKey key, List<String> names,
      Duration ttl, Instant now) throws GeneralSecurityException {
    X509v3CertificateBuilder b = leaf(ca, key, new X500Name("CN=istiod, O=jmesh"), ttl, now);
    List<GeneralName> sans = new ArrayList<>();
    for (String name : names) {
      sans.add(isIpLiteral(name)
          ? new GeneralName(GeneralName.iPAddress, name)
          : new GeneralName(GeneralName.dNSName, name));
    }
    try {
      b.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(sans.toArray(new GeneralName[0])));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot encode the server names", e);
    }
    return sign(b, ca.key());
  }

  private static X509v3CertificateBuilder leaf(SigningAuthority ca, PublicKey key,
      X500Name subject, Duration ttl, Instant now) throws GeneralSecurityException {
    Instant notAfter = now.plus(ttl);
    Instant caNotAfter = ca.certificate().getNotAfter().toInstant();
    if (notAfter.isAfter(caNotAfter)) {
      notAfter = caNotAfter;
    }
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), serial(),
        Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, key);
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    int usage = KeyUsage.digitalSignature;
    if ("RSA".equals(key.getAlgorithm())) {
      usage |= KeyUsage.keyEncipherment;
    }
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
          new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(ca, ext));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          ext.createSubjectKeyIdentifier(key));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot encode certificate extensions", e);
    }
    return b;
  }

  /**
   * The key id only, copied from the CA's SKI when it has one: an operator's CA may derive its
   * SKI differently from us, and issuer name + serial would tie leaves to one CA certificate.
   */
  private static AuthorityKeyIdentifier authorityKeyId(SigningAuthority ca,
      JcaX509ExtensionUtils ext) throws GeneralSecurityException {
    byte[] ski = ca.certificate().getExtensionValue(Extension.subjectKeyIdentifier.getId());
    if (ski != null) {
      try {
        return new AuthorityKeyIdentifier(SubjectKeyIdentifier.getInstance(
            JcaX509ExtensionUtils.parseExtensionValue(ski)).getKeyIdentifier());
      } catch (IOException e) {
        throw new GeneralSecurityException("the CA's subjectKeyIdentifier is malformed", e);
      }
    }
    return ext.createAuthorityKeyIdentifier(ca.certificate().getPublicKey());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return CONVERTER.getCertificate(b.build(
          new JcaContentSignerBuilder(KeyPairs.signatureAlgorithm(key))
              .setProvider(KeyPairs.PROVIDER).setSecureRandom(RANDOM).build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign: " + e.getMessage(), e);
    }
  }

  /** 128 random bits, positive, as the CA/Browser forum asks (at least 64). */
  private static BigInteger serial() {
    return new BigInteger(128, RANDOM).setBit(127);
  }

  private static boolean isIpLiteral(String name) {
    if (name.contains(":")) {
      return true;
    }
    if (!name.matches("[0-9.]+")) {
      return false;
    }
    try {
      InetAddress.getByName(name);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
