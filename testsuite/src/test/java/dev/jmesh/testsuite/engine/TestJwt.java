package dev.jmesh.testsuite.engine;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;

/** An issuer of RS256 JWTs with its JWKS, and tokens good, forged and expired. */
final class TestJwt {

  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  private final String issuer;
  private final String subject;
  private final KeyPair keys;
  private final KeyPair otherKeys;

  TestJwt(String issuer, String subject) throws GeneralSecurityException {
    this.issuer = issuer;
    this.subject = subject;
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    this.keys = rsa.generateKeyPair();
    this.otherKeys = rsa.generateKeyPair();
  }

  String jwks() {
    RSAPublicKey key = (RSAPublicKey) keys.getPublic();
    return "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\"k1\",\"n\":\""
        + unsigned(key.getModulus())
        + "\",\"e\":\""
        + unsigned(key.getPublicExponent())
        + "\"}]}";
  }

  /** Istio's RequestAuthentication for the issuer, its token read from {@code x-jwt}. */
  String requestAuthentication(String app) {
    return """
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata:
          name: %s-jwt
          namespace: default
        spec:
          selector:
            matchLabels:
              app: %s
          jwtRules:
          - issuer: "%s"
            jwks: '%s'
            fromHeaders:
            - name: x-jwt
        """
        .formatted(app, app, issuer, jwks());
  }

  String valid() throws GeneralSecurityException {
    return sign(keys, Instant.now().plusSeconds(600));
  }

  /** Signed by a key the JWKS does not have. */
  String forged() throws GeneralSecurityException {
    return sign(otherKeys, Instant.now().plusSeconds(600));
  }

  String expired() throws GeneralSecurityException {
    return sign(keys, Instant.now().minusSeconds(3600));
  }

  private String sign(KeyPair with, Instant expiry) throws GeneralSecurityException {
    String header = encode("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
    String payload =
        encode(
            "{\"iss\":\""
                + issuer
                + "\",\"sub\":\""
                + subject
                + "\",\"iat\":"
                + (expiry.getEpochSecond() - 1200)
                + ",\"exp\":"
                + expiry.getEpochSecond()
                + "}");
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(with.getPrivate());
    rs256.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    return header + "." + payload + "." + URL.encodeToString(rs256.sign());
  }

  private static String encode(String json) {
    return URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes[0] == 0 && bytes.length > 1) {
      bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return URL.encodeToString(bytes);
  }
}
