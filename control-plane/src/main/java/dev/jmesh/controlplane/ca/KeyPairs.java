package dev.jmesh.controlplane.ca;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Keys of the CA. jmesh generates EC P-256: signatures cost a few tens of microseconds (so
 * issuance is not bounded by the CA key), certificates stay small, and it is what workloads
 * generate too. Operators may plug in an RSA CA ({@code cacerts}); it signs with SHA-256.
 */
final class KeyPairs {
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Bouncy Castle's provider, for the CA's signing and CSR verification only (not registered
   * with the JVM, so nothing else changes): JDK 17's SunEC verifies and signs P-256 several
   * times slower, which bounded issuance at tens per second on a busy 2-core machine.
   */
  static final Provider PROVIDER = new BouncyCastleProvider();

  private KeyPairs() {}

  static KeyPair ecP256() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has EC P-256", e);
    }
  }

  /**
   * {@code key} as a Bouncy Castle key object. Converting once matters: a JDK key handed to BC
   * is converted at every signature, with a new curve object each time, which throws away BC's
   * precomputed tables for the P-256 base point.
   */
  static PrivateKey forSigning(PrivateKey key) throws GeneralSecurityException {
    return KeyFactory.getInstance(key.getAlgorithm(), PROVIDER)
        .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
  }

  /** The JCA signature algorithm a CA with {@code key} signs with. */
  static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> throw new IllegalArgumentException("CA key algorithm " + key.getAlgorithm()
          + " is not supported; use EC or RSA");
    };
  }

  /** True when {@code key} is the private half of {@code pub}, checked by signing. */
  static boolean matches(PrivateKey key, PublicKey pub) {
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    try {
      byte[] probe = "jmesh key pair check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(signatureAlgorithm(key));
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(signatureAlgorithm(key));
      v.initVerify(pub);
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Why a workload's public key is not acceptable, or null when it is. */
  static String weakness(PublicKey key) {
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return bits >= 256 ? null : "EC key of " + bits + " bits; use P-256 or larger";
    }
    if (key instanceof RSAPublicKey rsa) {
      int bits = rsa.getModulus().bitLength();
      return bits >= 2048 ? null : "RSA key of " + bits + " bits; use 2048 or more";
    }
    return "key algorithm " + key.getAlgorithm() + " is not supported; use EC P-256 or RSA";
  }
}
