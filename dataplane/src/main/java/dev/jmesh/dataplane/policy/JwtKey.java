package dev.jmesh.dataplane.policy;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;

/**
 * One key of a JWKS and the JOSE algorithms it verifies, with the JDK's own providers:
 * RS256/384/512, PS256/384/512 and ES256/384/512.
 */
final class JwtKey {

  private final String kid;
  private final String alg;
  private final PublicKey key;

  JwtKey(String kid, String alg, PublicKey key) {
    this.kid = kid;
    this.alg = alg;
    this.key = key;
  }

  static boolean supports(String alg) {
    switch (alg) {
      case "RS256":
      case "RS384":
      case "RS512":
      case "PS256":
      case "PS384":
      case "PS512":
      case "ES256":
      case "ES384":
      case "ES512":
        return true;
      default:
        return false;
    }
  }

  /**
   * Whether this key may verify a token with {@code tokenKid} and {@code tokenAlg}, as Envoy picks
   * keys: a kid on both sides must agree, an alg on the key must agree, and the key type must fit.
   */
  boolean fits(String tokenKid, String tokenAlg) {
    if (!tokenKid.isEmpty() && !kid.isEmpty() && !kid.equals(tokenKid)) {
      return false;
    }
    if (!alg.isEmpty() && !alg.equals(tokenAlg)) {
      return false;
    }
    if (tokenAlg.startsWith("ES")) {
      return key instanceof ECPublicKey
          && ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize()
              == curveBits(tokenAlg);
    }
    return key.getAlgorithm().equals("RSA");
  }

  boolean verify(String tokenAlg, byte[] signingInput, byte[] signature) {
    try {
      Signature s;
      byte[] sig = signature;
      switch (tokenAlg) {
        case "RS256":
        case "RS384":
        case "RS512":
          s = Signature.getInstance("SHA" + tokenAlg.substring(2) + "withRSA");
          break;
        case "PS256":
        case "PS384":
        case "PS512":
          {
            String hash = "SHA-" + tokenAlg.substring(2);
            int saltLength = Integer.parseInt(tokenAlg.substring(2)) / 8;
            s = Signature.getInstance("RSASSA-PSS");
            s.setParameter(
                new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), saltLength, 1));
            break;
          }
        case "ES256":
        case "ES384":
        case "ES512":
          s = Signature.getInstance("SHA" + tokenAlg.substring(2) + "withECDSA");
          sig = rawToDer(signature, (curveBits(tokenAlg) + 7) / 8);
          if (sig == null) {
            return false;
          }
          break;
        default:
          return false;
      }
      s.initVerify(key);
      s.update(signingInput);
      return s.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static int curveBits(String alg) {
    switch (alg) {
      case "ES256":
        return 256;
      case "ES384":
        return 384;
      default:
        return 521;
    }
  }

  /** JOSE signs ECDSA as R||S of fixed width; the JDK verifies a DER SEQUENCE of two INTEGERs. */
  static byte[] rawToDer(byte[] raw, int width) {
    if (raw.length != 2 * width) {
      return null;
    }
    byte[] r = new BigInteger(1, Arrays.copyOfRange(raw, 0, width)).toByteArray();
    byte[] s = new BigInteger(1, Arrays.copyOfRange(raw, width, 2 * width)).toByteArray();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    derInteger(body, r);
    derInteger(body, s);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30);
    derLength(out, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static void derInteger(ByteArrayOutputStream out, byte[] value) {
    out.write(0x02);
    derLength(out, value.length);
    out.writeBytes(value);
  }

  private static void derLength(ByteArrayOutputStream out, int length) {
    if (length < 0x80) {
      out.write(length);
    } else {
      out.write(0x81);
      out.write(length);
    }
  }
}
