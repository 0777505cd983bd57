package dev.jmesh.ca.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A join token: what a workload outside Kubernetes presents to prove its identity to the CA, and
 * the fingerprint of the CA root it may trust on its first connection (like kubeadm's discovery
 * hash).
 *
 * <p>Format, all URL-safe: {@code jmesh1.<claims>.<signature>}, where {@code claims} is the
 * unpadded base64url of the UTF-8 text {@code id=<16 hex>&ns=<namespace>&sa=<service
 * account>&exp=<unix seconds>&root=<hex>[,<hex>]} and {@code signature} the unpadded base64url of
 * HMAC-SHA256 over {@code jmesh1.<claims>}, keyed by a secret only the CA holds. Anyone can read
 * the claims ({@link #parse}); only the CA can check the signature. A Kubernetes service-account
 * token (a JWT, three dot-separated parts not starting with {@code jmesh1}) is told apart by its
 * prefix.
 */
public final class JoinToken {
  public static final String PREFIX = "jmesh1";

  /** Kubernetes' DNS-1123 label (namespace) and subdomain (service account) rules. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /** What a token says; no field is secret. */
  public record Claims(
      String id,
      String namespace,
      String serviceAccount,
      Instant expiresAt,
      List<String> rootFingerprints) {
    public Claims {
      require(ID.matcher(id).matches(), "token id must be 16 lowercase hex digits");
      require(
          LABEL.matcher(namespace).matches(),
          "namespace '" + namespace + "' is not a DNS-1123 label");
      require(
          SUBDOMAIN.matcher(serviceAccount).matches(),
          "service account '" + serviceAccount + "' is not a DNS-1123 subdomain");
      Objects.requireNonNull(expiresAt, "expiresAt");
      require(!rootFingerprints.isEmpty(), "a token pins at least one root");
      rootFingerprints = rootFingerprints.stream().map(RootFingerprint::normalize).toList();
    }
  }

  private final Claims claims;
  private final String signedPart;
  private final byte[] signature;

  private JoinToken(Claims claims, String signedPart, byte[] signature) {
    this.claims = claims;
    this.signedPart = signedPart;
    this.signature = signature;
  }

  /**
   * Encodes and signs {@code claims}; {@code mac} receives the bytes to sign and returns the
   * signature.
   */
  public static String encode(Claims claims, UnaryOperator<byte[]> mac) {
    String text =
        "id="
            + claims.id()
            + "&ns="
            + claims.namespace()
            + "&sa="
            + claims.serviceAccount()
            + "&exp="
            + claims.expiresAt().getEpochSecond()
            + "&root="
            + String.join(",", claims.rootFingerprints());
    String signed = PREFIX + "." + B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    return signed + "." + B64.encodeToString(mac.apply(signed.getBytes(StandardCharsets.US_ASCII)));
  }

  /** True when {@code text} looks like a join token rather than another kind of credential. */
  public static boolean isJoinToken(String text) {
    return text != null && text.strip().startsWith(PREFIX + ".");
  }

  /**
   * Reads a token without checking its signature (only the CA can). Throws {@link
   * IllegalArgumentException} saying what is wrong; the message never quotes the token.
   */
  public static JoinToken parse(String text) {
    String t = Objects.requireNonNull(text, "token").strip();
    String[] parts = t.split("\\.", -1);
    require(
        parts.length == 3 && parts[0].equals(PREFIX),
        "not a jmesh join token (expected " + PREFIX + ".<claims>.<signature>)");
    Map<String, String> fields = new LinkedHashMap<>();
    byte[] sig;
    String claimsText;
    try {
      claimsText = new String(B64D.decode(parts[1]), StandardCharsets.UTF_8);
      sig = B64D.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("join token is not valid base64url");
    }
    for (String pair : claimsText.split("&")) {
      int eq = pair.indexOf('=');
      require(eq > 0, "join token claims are malformed");
      require(
          fields.put(pair.substring(0, eq), pair.substring(eq + 1)) == null,
          "join token repeats claim " + pair.substring(0, eq));
    }
    for (String name : List.of("id", "ns", "sa", "exp", "root")) {
      require(fields.containsKey(name), "join token lacks claim '" + name + "'");
    }
    long exp;
    try {
      exp = Long.parseLong(fields.get("exp"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("join token expiry is not a number");
    }
    List<String> roots = new ArrayList<>(List.of(fields.get("root").split(",")));
    Claims claims =
        new Claims(
            fields.get("id"),
            fields.get("ns"),
            fields.get("sa"),
            Instant.ofEpochSecond(exp),
            roots);
    return new JoinToken(claims, parts[0] + "." + parts[1], sig);
  }

  public Claims claims() {
    return claims;
  }

  /** The bytes the signature covers. */
  public byte[] signedBytes() {
    return signedPart.getBytes(StandardCharsets.US_ASCII);
  }

  public byte[] signature() {
    return signature.clone();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Never prints the signature: with the claims it is the credential. */
  @Override
  public String toString() {
    return "JoinToken{id="
        + claims.id()
        + ", "
        + claims.namespace()
        + "/"
        + claims.serviceAccount()
        + ", expires "
        + claims.expiresAt()
        + "}";
  }
}
