package dev.jmesh.controlplane.ca.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.ca.api.JoinToken;
import dev.jmesh.controlplane.ca.token.Authentication.Refusal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinTokensTest {
  private static final String ROOT = "0f".repeat(32);
  private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
  @TempDir Path caDir;
  private TokenKey key;
  private JoinTokens tokens;

  @BeforeEach
  void open() throws Exception {
    key = TokenKey.loadOrCreate(caDir);
    tokens = at(NOW);
  }

  private JoinTokens at(Instant now) {
    return new JoinTokens(key, new TokenRevocations(caDir), Clock.fixed(now, ZoneOffset.UTC));
  }

  @Test
  void aFreshTokenProvesItsIdentity() {
    String token = tokens.create("default", "reviews", Duration.ofHours(24), List.of(ROOT));
    Authentication who = tokens.authenticate(token);
    assertThat(who.isAuthenticated()).isTrue();
    assertThat(who.namespace()).isEqualTo("default");
    assertThat(who.serviceAccount()).isEqualTo("reviews");
    JoinToken.Claims claims = JoinToken.parse(token).claims();
    assertThat(who.tokenId()).isEqualTo(claims.id());
    assertThat(claims.rootFingerprints()).containsExactly(ROOT);
    assertThat(claims.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    assertThat(token.length()).isLessThan(260);
  }

  @Test
  void theKeyIsOwnerOnlyAndSurvivesARestart() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        caDir.resolve(TokenKey.FILE)))).isEqualTo("rw-------");
    String token = JoinTokens.open(caDir).create("default", "reviews", Duration.ofHours(1),
        List.of(ROOT));
    assertThat(JoinTokens.open(caDir).authenticate(token).isAuthenticated()).isTrue();
  }

  @Test
  void anExpiredTokenIsRefused() {
    String token = tokens.create("default", "reviews", Duration.ofMinutes(10), List.of(ROOT));
    Authentication who = at(NOW.plus(Duration.ofMinutes(10))).authenticate(token);
    assertThat(who.refusal()).isEqualTo(Refusal.EXPIRED);
    assertThat(who.message()).contains("expired at 2026-11-29T12:10:00Z", "token create");
  }

  @Test
  void aRevokedTokenIsRefusedAcrossRestarts() throws Exception {
    String token = tokens.create("default", "reviews", Duration.ofHours(1), List.of(ROOT));
    String id = JoinToken.parse(token).claims().id();
    assertThat(JoinTokens.open(caDir).revocations().revoke(id)).isTrue();
    assertThat(JoinTokens.open(caDir).revocations().revoke(id)).isFalse();
    // The instance that was running before the revocation sees it too.
    Authentication who = tokens.authenticate(token);
    assertThat(who.refusal()).isEqualTo(Refusal.REVOKED);
    assertThat(who.message()).contains(id, "revoked");
    assertThat(Files.readString(caDir.resolve(TokenRevocations.FILE))).startsWith(id + " ");
  }

  @Test
  void aTamperedTokenIsRefused() {
    String token = tokens.create("default", "reviews", Duration.ofHours(1), List.of(ROOT));
    String[] parts = token.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        claims.replace("sa=reviews", "sa=admin").getBytes(StandardCharsets.UTF_8)) + "."
        + parts[2];
    Authentication who = tokens.authenticate(forged);
    assertThat(who.refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
    assertThat(who.message()).contains("not signed by this control plane")
        .doesNotContain(parts[2]);
  }

  @Test
  void aTokenOfAnotherCaIsRefused(@TempDir Path otherDir) throws Exception {
    String foreign = JoinTokens.open(otherDir).create("default", "reviews", Duration.ofHours(1),
        List.of(ROOT));
    assertThat(tokens.authenticate(foreign).refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
  }

  @Test
  void malformedMissingAndUnsupportedCredentialsAreRefused() {
    assertThat(tokens.authenticate("jmesh1.%%%.abc").refusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(tokens.authenticate("jmesh1.abc").refusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(tokens.authenticate("").refusal()).isEqualTo(Refusal.MISSING);
    Authentication jwt = tokens.authenticate("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
    assertThat(jwt.refusal()).isEqualTo(Refusal.UNSUPPORTED);
    assertThat(jwt.message()).contains("Kubernetes service-account tokens");
  }
}
