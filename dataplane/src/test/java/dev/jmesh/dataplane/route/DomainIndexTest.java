package dev.jmesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DomainIndexTest {

  private static int lookup(DomainIndex index, String host) {
    return index.lookup(host, host.length());
  }

  @Test
  void exactThenLongestSuffixThenLongestPrefixThenStar() {
    DomainIndex index =
        new DomainIndex(
            List.of(
                List.of("api.foo.com"),
                List.of("*.foo.com"),
                List.of("*-bar.foo.com"),
                List.of("api.*"),
                List.of("api.foo.*"),
                List.of("*")));
    assertThat(lookup(index, "api.foo.com")).isEqualTo(0);
    assertThat(lookup(index, "x.foo.com")).isEqualTo(1);
    assertThat(lookup(index, "baz-bar.foo.com")).isEqualTo(2);
    assertThat(lookup(index, "api.foo.org")).isEqualTo(4);
    assertThat(lookup(index, "api.example")).isEqualTo(3);
    assertThat(lookup(index, "other")).isEqualTo(5);
  }

  @Test
  void aWildcardStandsForAtLeastOneCharacter() {
    DomainIndex index = new DomainIndex(List.of(List.of("*.foo.com"), List.of("bar*")));
    assertThat(lookup(index, ".foo.com")).isEqualTo(-1);
    assertThat(lookup(index, "bar")).isEqualTo(-1);
    assertThat(lookup(index, "bars")).isEqualTo(1);
  }

  @Test
  void lookupIgnoresCase() {
    DomainIndex index = new DomainIndex(List.of(List.of("Reviews.Default"), List.of("*.SVC")));
    assertThat(lookup(index, "REVIEWS.default")).isEqualTo(0);
    assertThat(lookup(index, "a.svc")).isEqualTo(1);
  }

  @Test
  void manyExactDomainsAllFound() {
    List<List<String>> hosts = new java.util.ArrayList<>();
    for (int i = 0; i < 500; i++) {
      hosts.add(List.of("svc-" + i + ".ns", "svc-" + i + ".ns:80"));
    }
    DomainIndex index = new DomainIndex(hosts);
    for (int i = 0; i < 500; i++) {
      assertThat(lookup(index, "svc-" + i + ".ns:80")).isEqualTo(i);
    }
    assertThat(lookup(index, "svc-500.ns")).isEqualTo(-1);
  }

  @Test
  void emptyRepeatedAndMalformedDomainsAreRefused() {
    assertThatThrownBy(() -> new DomainIndex(List.of(List.of(""))))
        .hasMessageContaining("empty domain");
    assertThatThrownBy(() -> new DomainIndex(List.of(List.of("a"), List.of("A"))))
        .hasMessageContaining("more than once");
    assertThatThrownBy(() -> new DomainIndex(List.of(List.of("a.*.com"))))
        .hasMessageContaining("wildcard");
  }

  @Test
  void hostEndFindsThePort() {
    assertThat(RouteTable.hostEnd("reviews:9080")).isEqualTo(7);
    assertThat(RouteTable.hostEnd("reviews")).isEqualTo(7);
    assertThat(RouteTable.hostEnd("[::1]:80")).isEqualTo(5);
    assertThat(RouteTable.hostEnd("[::1]")).isEqualTo(5);
    assertThat(RouteTable.hostEnd("::1")).isEqualTo(3);
  }
}
