package dev.jmesh.dataplane.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

  /** Builds an address from a literal; {@code getByName} of a literal never queries DNS. */
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void ipv4Range() throws Exception {
    Cidr cidr = Cidr.parse("10.0.0.0/8");
    assertThat(cidr.contains(ip("10.0.0.0"))).isTrue();
    assertThat(cidr.contains(ip("10.255.255.255"))).isTrue();
    assertThat(cidr.contains(ip("11.0.0.0"))).isFalse();
    assertThat(cidr.contains(ip("9.255.255.255"))).isFalse();
  }

  @Test
  void prefixNotOnAByteBoundary() throws Exception {
    Cidr cidr = Cidr.parse("192.168.4.0/22");
    assertThat(cidr.contains(ip("192.168.4.1"))).isTrue();
    assertThat(cidr.contains(ip("192.168.7.255"))).isTrue();
    assertThat(cidr.contains(ip("192.168.8.0"))).isFalse();
    assertThat(cidr.contains(ip("192.168.3.255"))).isFalse();
  }

  @Test
  void hostBitsInTheNetworkAreIgnored() throws Exception {
    assertThat(Cidr.parse("10.1.2.3/8").contains(ip("10.9.9.9"))).isTrue();
  }

  @Test
  void slash32AndBareHostMatchOnlyThatAddress() throws Exception {
    for (String text : new String[] {"169.254.169.254/32", "169.254.169.254"}) {
      Cidr cidr = Cidr.parse(text);
      assertThat(cidr.contains(ip("169.254.169.254"))).as(text).isTrue();
      assertThat(cidr.contains(ip("169.254.169.255"))).as(text).isFalse();
      assertThat(cidr.contains(ip("169.254.169.253"))).as(text).isFalse();
    }
  }

  @Test
  void slashZeroMatchesEveryAddressOfItsFamilyOnly() throws Exception {
    Cidr any4 = Cidr.parse("0.0.0.0/0");
    assertThat(any4.contains(ip("1.2.3.4"))).isTrue();
    assertThat(any4.contains(ip("255.255.255.255"))).isTrue();
    assertThat(any4.contains(ip("::1"))).isFalse();
    Cidr any6 = Cidr.parse("::/0");
    assertThat(any6.contains(ip("2001:db8::1"))).isTrue();
    assertThat(any6.contains(ip("1.2.3.4"))).isFalse();
  }

  @Test
  void ipv6Range() throws Exception {
    Cidr cidr = Cidr.parse("fd00::/8");
    assertThat(cidr.contains(ip("fd12:3456::1"))).isTrue();
    assertThat(cidr.contains(ip("fe80::1"))).isFalse();
    Cidr host = Cidr.parse("2001:db8::1");
    assertThat(host.contains(ip("2001:db8:0:0:0:0:0:1"))).isTrue();
    assertThat(host.contains(ip("2001:db8::2"))).isFalse();
    Cidr slash64 = Cidr.parse("2001:db8:1:2::/64");
    assertThat(slash64.contains(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))).isTrue();
    assertThat(slash64.contains(ip("2001:db8:1:3::"))).isFalse();
  }

  @Test
  void textIsKeptTrimmed() {
    assertThat(Cidr.parse(" 10.0.0.0/8 ")).hasToString("10.0.0.0/8");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0.0/", "::/129"})
  void badPrefixIsRefused(String text) {
    String prefix = text.substring(text.indexOf('/') + 1);
    String max = text.contains(":") ? "128" : "32";
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prefix length /" + prefix + " is not in 0.." + max);
  }

  @Test
  void ipv6PrefixUpTo128IsAccepted() throws Exception {
    assertThat(Cidr.parse("::1/128").contains(ip("::1"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "example.com", "10.0.0", "10.0.0.256", "1.2.3.4.5",
      "1..2.3", "", "dead:beef", "fe80::1%eth0", "g::1"})
  void nonIpIsRefused(String text) {
    String address = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + address + "' is not an IP address");
  }

  @Test
  void localhostIsRefusedWithoutResolvingIt() throws Exception {
    // localhost always resolves (to 127.0.0.1 or ::1); if parse() ever looked names up it would
    // accept it, so a refusal shows that it never did.
    assertThat(InetAddress.getByName("localhost")).isNotNull();
    assertThatThrownBy(() -> Cidr.parse("localhost/8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'localhost' is not an IP address");
    assertThat(Cidr.IpLiteral.parse("localhost")).isNull();
  }

  @Test
  void ipLiteralBytes() {
    assertThat(Cidr.IpLiteral.parse("10.1.2.255")).containsExactly(10, 1, 2, (byte) 255);
    assertThat(Cidr.IpLiteral.parse("::1")).hasSize(16).endsWith(1);
  }
}
