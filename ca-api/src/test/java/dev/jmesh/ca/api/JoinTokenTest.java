package dev.jmesh.ca.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
  private static final String ROOT = "ab".repeat(32);

  @Test
  void claimsRoundTripAndAreReadableWithoutTheKey() {
    JoinToken.Claims claims =
        new JoinToken.Claims(
            "0123456789abcdef",
            "default",
            "reviews",
            Instant.ofEpochSecond(1_900_000_000L),
            List.of(ROOT));
    String text = JoinToken.encode(claims, bytes -> new byte[] {1, 2, 3});
    assertThat(text).startsWith("jmesh1.").matches("[A-Za-z0-9_.-]+");
    JoinToken token = JoinToken.parse(text);
    assertThat(token.claims()).isEqualTo(claims);
    assertThat(token.signature()).containsExactly(1, 2, 3);
    assertThat(JoinToken.isJoinToken(text)).isTrue();
    assertThat(JoinToken.isJoinToken("eyJhbGciOi.x.y")).isFalse();
    assertThat(token.toString()).doesNotContain(text.substring(text.lastIndexOf('.') + 1));
  }

  @Test
  void malformedTokensSayWhy() {
    assertThatThrownBy(() -> JoinToken.parse("eyJhbGciOi.x.y"))
        .hasMessageContaining("not a jmesh join token");
    assertThatThrownBy(() -> JoinToken.parse("jmesh1.!!!.AAA")).hasMessageContaining("base64url");
    String noRoot =
        "jmesh1."
            + java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("id=0123456789abcdef&ns=a&sa=b&exp=1".getBytes())
            + ".AA";
    assertThatThrownBy(() -> JoinToken.parse(noRoot)).hasMessageContaining("'root'");
    assertThatThrownBy(
            () ->
                new JoinToken.Claims(
                    "0123456789abcdef", "Bad_NS", "sa", Instant.EPOCH, List.of(ROOT)))
        .hasMessageContaining("DNS-1123");
  }

  @Test
  void fingerprintsAreNormalized() {
    String colons = String.join(":", ROOT.toUpperCase().split("(?<=\\G..)"));
    assertThat(RootFingerprint.normalize("sha256:" + colons)).isEqualTo(ROOT);
    assertThatThrownBy(() -> RootFingerprint.normalize("abc"))
        .hasMessageContaining("64 hex digits");
  }
}
