package dev.jmesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;

class MatchTest {

  @Test
  void stringMatchKindsOverARegion() {
    String s = "xxHello-Worldyy";
    StringMatch exact = StringMatch.literal(StringMatch.Kind.EXACT, "hello-world", true);
    assertThat(exact.matches(s, 2, 13)).isTrue();
    assertThat(exact.matches(s, 2, 12)).isFalse();
    assertThat(StringMatch.literal(StringMatch.Kind.EXACT, "hello-world", false).matches(s, 2, 13))
        .isFalse();
    assertThat(StringMatch.literal(StringMatch.Kind.PREFIX, "Hell", false).matches(s, 2, 13))
        .isTrue();
    assertThat(StringMatch.literal(StringMatch.Kind.SUFFIX, "World", false).matches(s, 2, 13))
        .isTrue();
    assertThat(StringMatch.literal(StringMatch.Kind.SUFFIX, "Worldy", false).matches(s, 2, 13))
        .isFalse();
    assertThat(StringMatch.literal(StringMatch.Kind.CONTAINS, "O-W", true).matches(s, 2, 13))
        .isTrue();
    assertThat(StringMatch.literal(StringMatch.Kind.CONTAINS, "yy", true).matches(s, 2, 13))
        .isFalse();
    assertThat(StringMatch.regex(Pattern.compile("H.*d")).matches(s, 2, 13)).isTrue();
    assertThat(StringMatch.regex(Pattern.compile("H.*")).matches(s, 0, 13)).isFalse();
  }

  @Test
  void queryParametersAreFoundWithoutDecoding() {
    QueryParameterMatch v =
        QueryParameterMatch.value("v", StringMatch.literal(StringMatch.Kind.EXACT, "a%20b", false));
    assertThat(v.matches("/p?x=1&v=a%20b")).isTrue();
    assertThat(v.matches("/p?x=1&v=a b")).isFalse();
    assertThat(v.matches("/p?vv=a%20b")).isFalse();
    assertThat(v.matches("/p")).isFalse();
    assertThat(v.matches("/p?v=a%20b#frag")).isTrue();
    QueryParameterMatch present = QueryParameterMatch.present("debug");
    assertThat(present.matches("/p?debug")).isTrue();
    assertThat(present.matches("/p?a=1&debug&b=2")).isTrue();
    assertThat(present.matches("/p?a=debug")).isFalse();
    QueryParameterMatch empty =
        QueryParameterMatch.value("e", StringMatch.literal(StringMatch.Kind.EXACT, "", false));
    assertThat(empty.matches("/p?e")).isTrue();
    assertThat(empty.matches("/p?e=")).isTrue();
    assertThat(empty.matches("/p?e=1")).isFalse();
  }

  @Test
  void theFirstParameterOfANameDecides() {
    QueryParameterMatch v =
        QueryParameterMatch.value("v", StringMatch.literal(StringMatch.Kind.EXACT, "2", false));
    assertThat(v.matches("/p?v=1&v=2")).isFalse();
  }

  @Test
  void rangeMatchParsesSignedLongs() {
    HeaderMatch range = HeaderMatch.range("x-n", -10, 10, false, false);
    assertThat(range.matches(FakeRequest.get("h", "/").header("x-n", "-10"))).isTrue();
    assertThat(range.matches(FakeRequest.get("h", "/").header("x-n", "+9"))).isTrue();
    assertThat(range.matches(FakeRequest.get("h", "/").header("x-n", "10"))).isFalse();
    assertThat(range.matches(FakeRequest.get("h", "/").header("x-n", "1.5"))).isFalse();
    assertThat(range.matches(FakeRequest.get("h", "/").header("x-n", "-"))).isFalse();
    assertThat(range.matches(FakeRequest.get("h", "/").header("x-n", ""))).isFalse();
    assertThat(range.matches(FakeRequest.get("h", "/").header("x-n", "99999999999999999999")))
        .isFalse();
    HeaderMatch wide = HeaderMatch.range("x-n", Long.MIN_VALUE, Long.MAX_VALUE, false, false);
    assertThat(wide.matches(FakeRequest.get("h", "/").header("x-n", "-9223372036854775808")))
        .isTrue();
    assertThat(wide.matches(FakeRequest.get("h", "/").header("x-n", "9223372036854775807")))
        .isFalse();
    assertThat(wide.matches(FakeRequest.get("h", "/").header("x-n", "9223372036854775808")))
        .isFalse();
  }
}
