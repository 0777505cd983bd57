package dev.jmesh.dataplane.policy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Reads a JSON Web Key Set (RFC 7517) of RSA and EC public keys. */
final class Jwks {

  /** A key set larger than this is refused rather than parsed. */
  static final int MAX_LENGTH = 1024 * 1024;

  private Jwks() {}

  /**
   * The keys of {@code json}.
   *
   * @throws IllegalArgumentException saying what is wrong with the set
   */
  static List<JwtKey> parse(String json) {
    if (json.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("JWKS is larger than " + MAX_LENGTH + " characters");
    }
    Struct set;
    try {
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().merge(json, b);
      set = b.build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("JWKS is not a JSON object: " + e.getMessage());
    }
    Value keys = set.getFieldsMap().get("keys");
    if (keys == null || !keys.hasListValue() || keys.getListValue().getValuesCount() == 0) {
      throw new IllegalArgumentException("JWKS has no \"keys\" list");
    }
    List<JwtKey> out = new ArrayList<>();
    List<Value> list = keys.getListValue().getValuesList();
    for (int i = 0; i < list.size(); i++) {
      if (!list.get(i).hasStructValue()) {
        throw new IllegalArgumentException("keys[" + i + "] is not an object");
      }
      try {
        out.add(key(list.get(i).getStructValue()));
      } catch (IllegalArgumentException | GeneralSecurityException e) {
        throw new IllegalArgumentException("keys[" + i + "]: " + e.getMessage());
      }
    }
    return out;
  }

  private static JwtKey key(Struct k) throws GeneralSecurityException {
    String kty = string(k, "kty");
    PublicKey key;
    switch (kty) {
      case "RSA":
        key =
            KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(number(k, "n"), number(k, "e")));
        break;
      case "EC":
        {
          String curve;
          switch (string(k, "crv")) {
            case "P-256":
              curve = "secp256r1";
              break;
            case "P-384":
              curve = "secp384r1";
              break;
            case "P-521":
              curve = "secp521r1";
              break;
            default:
              throw new IllegalArgumentException(
                  "EC curve '" + string(k, "crv") + "' is not supported");
          }
          AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
          params.init(new ECGenParameterSpec(curve));
          ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
          ECPoint point = new ECPoint(number(k, "x"), number(k, "y"));
          key = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
          break;
        }
      default:
        throw new IllegalArgumentException("kty '" + kty + "' is not supported (RSA or EC)");
    }
    return new JwtKey(string(k, "kid"), string(k, "alg"), key);
  }

  private static String string(Struct s, String field) {
    Value v = s.getFieldsMap().get(field);
    return v != null && v.hasStringValue() ? v.getStringValue() : "";
  }

  private static BigInteger number(Struct s, String field) {
    String b64 = string(s, field);
    if (b64.isEmpty()) {
      throw new IllegalArgumentException("\"" + field + "\" is missing");
    }
    try {
      return new BigInteger(1, Base64.getUrlDecoder().decode(b64));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + field + "\" is not base64url");
    }
  }
}
