package dev.jmesh.dataplane.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.cluster.XxHash64;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.HashPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestHashTest {

  private final RequestHash hash = new RequestHash();

  private static HashPolicy header(String name, boolean terminal) {
    return new HashPolicy(HashPolicy.Kind.HEADER, name, -1, "", terminal);
  }

  @Test
  void aHeaderHashesItsValue() {
    assertThat(
            hash.compute(
                List.of(header("x-user", false)),
                FakeRequest.get("h", "/").header("x-user", "jason"),
                null))
        .isTrue();
    assertThat(hash.value()).isEqualTo(XxHash64.hash("jason", 0));
    assertThat(hash.compute(List.of(header("x-user", false)), FakeRequest.get("h", "/"), null))
        .isFalse();
  }

  @Test
  void policiesFoldWithRotateAndXorAndATerminalOneStops() {
    HashPolicy ip = new HashPolicy(HashPolicy.Kind.SOURCE_IP, null, -1, "", false);
    FakeRequest r = FakeRequest.get("h", "/").header("x-user", "jason");
    hash.compute(List.of(header("x-user", false), ip), r, "10.0.0.7");
    long a = XxHash64.hash("jason", 0);
    long b = XxHash64.hash("10.0.0.7", 0);
    assertThat(hash.value()).isEqualTo(Long.rotateLeft(a, 1) ^ b);
    hash.compute(List.of(header("x-user", true), ip), r, "10.0.0.7");
    assertThat(hash.value()).isEqualTo(a);
    // A terminal policy that finds nothing does not stop the others.
    hash.compute(List.of(header("x-missing", true), ip), r, "10.0.0.7");
    assertThat(hash.value()).isEqualTo(b);
  }

  @Test
  void aCookieIsFoundAmongOthersOrGeneratedWhenItHasATtl() {
    HashPolicy session = new HashPolicy(HashPolicy.Kind.COOKIE, "session", -1, "", false);
    FakeRequest r = FakeRequest.get("h", "/").header("cookie", "theme=dark; session=abc123; x=1");
    assertThat(hash.compute(List.of(session), r, null)).isTrue();
    assertThat(hash.value()).isEqualTo(XxHash64.hash("abc123", 0));
    assertThat(hash.generatedCookie()).isNull();
    FakeRequest prefixOnly = FakeRequest.get("h", "/").header("cookie", "mysession=zzz");
    assertThat(hash.compute(List.of(session), prefixOnly, null)).isFalse();

    HashPolicy withTtl =
        new HashPolicy(HashPolicy.Kind.COOKIE, "session", 3_600_000_000_000L, "/", false);
    assertThat(hash.compute(List.of(withTtl), FakeRequest.get("h", "/"), "10.0.0.7")).isTrue();
    assertThat(hash.generatedCookie()).isSameAs(withTtl);
    assertThat(hash.value()).isEqualTo(XxHash64.hash(hash.generatedCookieValue(), 0));
  }

  @Test
  void aQueryParameterHashesItsFirstValue() {
    HashPolicy q = new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, "user", -1, "", false);
    assertThat(hash.compute(List.of(q), FakeRequest.get("h", "/p?a=1&user=kim&user=x#f"), null))
        .isTrue();
    assertThat(hash.value()).isEqualTo(XxHash64.hash("kim", 0));
    assertThat(hash.compute(List.of(q), FakeRequest.get("h", "/p?xuser=kim"), null)).isFalse();
    assertThat(hash.compute(List.of(q), FakeRequest.get("h", "/p#user=kim"), null)).isFalse();
  }
}
