package dev.jmesh.ca.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * SHA-256 of a certificate's DER encoding, lowercase hex — the same value as {@code openssl x509
 * -noout -fingerprint -sha256} without the colons, so an operator can compare it by eye.
 */
public final class RootFingerprint {
  private RootFingerprint() {}

  public static String of(X509Certificate certificate) {
    try {
      return of(certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
    }
  }

  public static String of(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Accepts {@code sha256:AB:CD...}, {@code AB:CD...} or plain hex; returns plain lowercase. */
  public static String normalize(String fingerprint) {
    String s = fingerprint.strip().toLowerCase(java.util.Locale.ROOT);
    if (s.startsWith("sha256:")) {
      s = s.substring("sha256:".length());
    }
    s = s.replace(":", "");
    if (!s.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          "not a SHA-256 fingerprint (64 hex digits): '" + fingerprint + "'");
    }
    return s;
  }
}
