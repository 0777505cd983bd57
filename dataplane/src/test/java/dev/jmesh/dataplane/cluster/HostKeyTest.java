package dev.jmesh.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Host keys are written as Envoy writes addresses, since ring hash and Maglev hash them. */
class HostKeyTest {

  @Test
  void ipv4AndNamesAreKeptAsWritten() {
    assertThat(Host.key("10.0.0.1", 80)).isEqualTo("10.0.0.1:80");
    assertThat(Host.key("reviews", 9080)).isEqualTo("reviews:9080");
  }

  @Test
  void ipv6IsCompressedAsRfc5952() {
    assertThat(Host.key("::1", 80)).isEqualTo("[::1]:80");
    assertThat(Host.key("0:0:0:0:0:0:0:1", 80)).isEqualTo("[::1]:80");
    assertThat(Host.key("2001:DB8:0:0:1:0:0:1", 443)).isEqualTo("[2001:db8::1:0:0:1]:443");
    assertThat(Host.key("2001:db8:0:1:1:1:1:1", 443)).isEqualTo("[2001:db8:0:1:1:1:1:1]:443");
    assertThat(Host.key("fe80:0:0:0:0:0:0:0", 1)).isEqualTo("[fe80::]:1");
    assertThat(Host.key("::", 1)).isEqualTo("[::]:1");
  }
}
