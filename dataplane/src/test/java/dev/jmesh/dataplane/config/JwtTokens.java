package dev.jmesh.dataplane.config;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/** Keys, JWKS and signed JWTs made in the test, with nothing but the JDK. */
final class JwtTokens {

  static final KeyPair EC = generate("EC", "secp256r1");

  /** RSA keys take a while to make: only a test that signs with one waits for it. */
  private static final class Rsa {
    static final KeyPair KEYS = generate("RSA", null);
  }

  private JwtTokens() {}

  private static KeyPair generate(String type, String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(type);
      if (curve != null) {
        g.initialize(new ECGenParameterSpec(curve));
      } else {
        g.initialize(2048);
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String b64(BigInteger n, int width) {
    byte[] b = n.toByteArray();
    if (b.length > width) {
      b = Arrays.copyOfRange(b, b.length - width, b.length);
    } else if (b.length < width) {
      byte[] padded = new byte[width];
      System.arraycopy(b, 0, padded, width - b.length, b.length);
      b = padded;
    }
    return b64(b);
  }

  /** A JWKS with the RSA key as {@code rsa-1} and the EC key as {@code ec-1}. */
  static String jwks() {
    RSAPublicKey rsa = (RSAPublicKey) Rsa.KEYS.getPublic();
    ECPublicKey ec = (ECPublicKey) EC.getPublic();
    return "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"n\":\""
        + b64(rsa.getModulus(), 256)
        + "\",\"e\":\""
        + b64(rsa.getPublicExponent().toByteArray())
        + "\"},{\"kty\":\"EC\",\"kid\":\"ec-1\",\"crv\":\"P-256\",\"x\":\""
        + b64(ec.getW().getAffineX(), 32)
        + "\",\"y\":\""
        + b64(ec.getW().getAffineY(), 32)
        + "\"}]}";
  }

  /** A token signed with {@code alg} (RS256, PS256 or ES256) over {@code payloadJson}. */
  static String sign(String alg, String payloadJson) {
    String kid = alg.startsWith("ES") ? "ec-1" : "rsa-1";
    String header = "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
    String input =
        b64(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64(payloadJson.getBytes(StandardCharsets.UTF_8));
    try {
      Signature s;
      PrivateKey key;
      switch (alg) {
        case "RS256":
          s = Signature.getInstance("SHA256withRSA");
          key = Rsa.KEYS.getPrivate();
          break;
        case "PS256":
          s = Signature.getInstance("RSASSA-PSS");
          s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
          key = Rsa.KEYS.getPrivate();
          break;
        case "ES256":
          s = Signature.getInstance("SHA256withECDSA");
          key = EC.getPrivate();
          break;
        default:
          throw new IllegalArgumentException(alg);
      }
      s.initSign(key);
      s.update(input.getBytes(StandardCharsets.US_ASCII));
      byte[] sig = s.sign();
      if (alg.startsWith("ES")) {
        sig = derToRaw(sig, 32);
      }
      return input + "." + b64(sig);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** The JDK's DER ECDSA signature as JOSE's fixed-width R||S. */
  private static byte[] derToRaw(byte[] der, int width) {
    int offset = der[1] == (byte) 0x81 ? 3 : 2;
    int rLen = der[offset + 1];
    byte[] r = Arrays.copyOfRange(der, offset + 2, offset + 2 + rLen);
    int sAt = offset + 2 + rLen;
    int sLen = der[sAt + 1];
    byte[] s = Arrays.copyOfRange(der, sAt + 2, sAt + 2 + sLen);
    byte[] raw = new byte[2 * width];
    copyRight(new BigInteger(1, r), raw, 0, width);
    copyRight(new BigInteger(1, s), raw, width, width);
    return raw;
  }

  private static void copyRight(BigInteger v, byte[] out, int at, int width) {
    byte[] b = v.toByteArray();
    int skip = b.length > width ? b.length - width : 0;
    System.arraycopy(b, skip, out, at + width - (b.length - skip), b.length - skip);
  }

  /** Seconds since the epoch. */
  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  static String payload(String iss, String sub, String aud, long exp) {
    return "{\"iss\":\""
        + iss
        + "\",\"sub\":\""
        + sub
        + "\",\"aud\":\""
        + aud
        + "\",\"exp\":"
        + exp
        + ",\"groups\":[\"admin\",\"dev\"]}";
  }
}
