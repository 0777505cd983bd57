package dev.jmesh.controlplane.ca.token;

import dev.jmesh.ca.api.JoinToken;
import dev.jmesh.controlplane.ca.token.Authentication.Refusal;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Makes and checks join tokens ({@link JoinToken} gives the format). A token is refused when it
 * is malformed, its signature is not ours, it has expired or it was revoked; each refusal says
 * which, without quoting the token.
 *
 * <pre>{@code
 * JoinTokens tokens = JoinTokens.open(Path.of("jmesh-ca"));
 * String token = tokens.create("default", "reviews", Duration.ofHours(24), bundleFingerprints);
 * Authentication who = tokens.authenticate(token);   // default/reviews
 * }</pre>
 */
public final class JoinTokens implements Authenticator {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final TokenKey key;
  private final TokenRevocations revocations;
  private final Clock clock;

  JoinTokens(TokenKey key, TokenRevocations revocations, Clock clock) {
    this.key = key;
    this.revocations = revocations;
    this.clock = clock;
  }

  /** Tokens signed by the key in {@code caDir} (created on first use). */
  public static JoinTokens open(Path caDir) throws IOException {
    return new JoinTokens(TokenKey.loadOrCreate(caDir), new TokenRevocations(caDir),
        Clock.systemUTC());
  }

  /**
   * A new token for {@code namespace}/{@code serviceAccount}, valid for {@code ttl}, pinning
   * {@code rootFingerprints} (every root of the current trust bundle).
   */
  public String create(String namespace, String serviceAccount, Duration ttl,
      List<String> rootFingerprints) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("token TTL must be positive, got " + ttl);
    }
    byte[] id = new byte[8];
    RANDOM.nextBytes(id);
    JoinToken.Claims claims = new JoinToken.Claims(HexFormat.of().formatHex(id), namespace,
        serviceAccount, clock.instant().plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
        rootFingerprints);
    return JoinToken.encode(claims, key::sign);
  }

  public TokenRevocations revocations() {
    return revocations;
  }

  @Override
  public Authentication authenticate(String credential) {
    if (credential == null || credential.isBlank()) {
      return Authentication.refused(Refusal.MISSING, "no token");
    }
    if (!JoinToken.isJoinToken(credential)) {
      return Authentication.refused(Refusal.UNSUPPORTED, "only jmesh join tokens ("
          + JoinToken.PREFIX + ".…) are accepted; Kubernetes service-account tokens are not"
          + " supported yet");
    }
    JoinToken token;
    try {
      token = JoinToken.parse(credential);
    } catch (IllegalArgumentException e) {
      return Authentication.refused(Refusal.MALFORMED, e.getMessage());
    }
    // The signature first: nothing an unsigned token claims (its id, its expiry) is trusted.
    if (!key.verify(token.signedBytes(), token.signature())) {
      return Authentication.refused(Refusal.BAD_SIGNATURE, "join token " + token.claims().id()
          + " is not signed by this control plane's token key (tampered with, or made for"
          + " another CA directory)");
    }
    JoinToken.Claims c = token.claims();
    Instant now = clock.instant();
    if (!now.isBefore(c.expiresAt())) {
      return Authentication.refused(Refusal.EXPIRED, "join token " + c.id() + " for "
          + c.namespace() + "/" + c.serviceAccount() + " expired at " + c.expiresAt()
          + "; create a new one with 'token create'");
    }
    if (revocations.isRevoked(c.id())) {
      return Authentication.refused(Refusal.REVOKED, "join token " + c.id() + " for "
          + c.namespace() + "/" + c.serviceAccount() + " was revoked");
    }
    return Authentication.authenticated(c.namespace(), c.serviceAccount(), c.id());
  }
}
