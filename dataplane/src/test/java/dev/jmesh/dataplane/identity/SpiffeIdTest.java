package dev.jmesh.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpiffeIdTest {

  @Test
  void parsesAndPrintsIstioWorkloadIdentities() {
    SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(id.trustDomain()).isEqualTo("cluster.local");
    assertThat(id.path()).isEqualTo("/ns/default/sa/reviews");
    assertThat(id).hasToString("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(SpiffeId.parse("spiffe://example.org").path()).isEmpty();
    assertThat(SpiffeId.parse("spiffe://example.org/a/b").namespace()).isNull();
  }

  @Test
  void refusesWhatTheStandardForbidsSayingWhy() {
    assertThatThrownBy(() -> SpiffeId.parse("https://cluster.local/ns/a"))
        .hasMessageContaining("must start with spiffe://");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe:///ns/a"))
        .hasMessageContaining("the trust domain is missing");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://Cluster.local/ns/a"))
        .hasMessageContaining("not 'C'");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local:8443/ns/a"))
        .hasMessageContaining("not ':'");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns//a"))
        .hasMessageContaining("empty segment");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/a/"))
        .hasMessageContaining("must not end with '/'");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/../a"))
        .hasMessageContaining("'.' or '..'");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/a?x=1"))
        .hasMessageContaining("not '?'");
  }
}
