package dev.jmesh.dataplane.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The conversions under JWT and CIDR matching that random keys would only sometimes reach. */
class JwtKeyTest {

  @Test
  void rawEcdsaSignaturesBecomeDerIntegersWithASignByteWhenTheHighBitIsSet() {
    byte[] raw = new byte[64];
    raw[0] = (byte) 0x80; // r has its high bit set: DER needs a leading zero
    raw[63] = 1; // s is 1: DER drops the leading zeros
    byte[] der = JwtKey.rawToDer(raw, 32);
    assertThat(der[0]).isEqualTo((byte) 0x30);
    assertThat(der[1]).isEqualTo((byte) (2 + 33 + 2 + 1));
    assertThat(der[2]).isEqualTo((byte) 0x02);
    assertThat(der[3]).isEqualTo((byte) 33);
    assertThat(der[4]).isZero();
    assertThat(der[5]).isEqualTo((byte) 0x80);
    assertThat(Arrays.copyOfRange(der, der.length - 3, der.length))
        .containsExactly(0x02, 0x01, 0x01);
  }

  @Test
  void p521SignaturesUseTheLongLengthForm() {
    byte[] raw = new byte[132];
    Arrays.fill(raw, (byte) 0xFF);
    byte[] der = JwtKey.rawToDer(raw, 66);
    assertThat(der[1]).isEqualTo((byte) 0x81);
    assertThat(der[2] & 0xFF).isEqualTo(2 * (2 + 67));
    assertThat(JwtKey.rawToDer(new byte[10], 66)).isNull();
  }

  @Test
  void cidrBlocksCompareOnlyTheirPrefix() throws Exception {
    assertThat(CidrBlock.of("0.0.0.0", 0).contains(InetAddress.getByName("203.0.113.9"))).isTrue();
    assertThat(CidrBlock.of("0.0.0.0", 0).contains(InetAddress.getByName("::1"))).isFalse();
    assertThat(CidrBlock.of("10.1.2.255", 24).contains(InetAddress.getByName("10.1.2.1"))).isTrue();
    assertThat(CidrBlock.of("10.1.2.0", 24).contains(InetAddress.getByName("10.1.3.1"))).isFalse();
    CidrBlock v6 = CidrBlock.of("2001:db8:0:0:8000::", 65);
    assertThat(v6.contains(InetAddress.getByName("2001:db8::8000:0:0:1"))).isTrue();
    assertThat(v6.contains(InetAddress.getByName("2001:db8::1"))).isFalse();
  }
}
