package dev.jmesh.dataplane.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An Envoy {@code CidrRange} compiled for matching: the network's leading bits as two longs, so a
 * check compares numbers rather than building masks.
 */
public final class CidrBlock {

  private final boolean v4;
  private final int prefixLength;
  private final long high;
  private final long low;

  private CidrBlock(boolean v4, int prefixLength, long high, long low) {
    this.v4 = v4;
    this.prefixLength = prefixLength;
    this.high = high;
    this.low = low;
  }

  /**
   * {@code address} (an IPv4 or IPv6 literal) with {@code prefixLength} leading bits.
   *
   * @throws IllegalArgumentException for a non-literal address or a prefix out of range
   */
  public static CidrBlock of(String address, int prefixLength) {
    byte[] bytes = literal(address);
    int max = bytes.length * 8;
    if (prefixLength < 0 || prefixLength > max) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " is not in 0.." + max);
    }
    return new CidrBlock(
        bytes.length == 4,
        prefixLength,
        word(bytes, 0) & mask(prefixLength),
        word(bytes, 8) & mask(prefixLength - 64));
  }

  /**
   * Whether {@code Inet4Address.hashCode()} is the address as an int, as OpenJDK has always made
   * it: then an IPv4 check reads it without {@code getAddress()} copying the bytes.
   */
  private static final boolean V4_HASH_IS_ADDRESS = v4HashIsAddress();

  private static boolean v4HashIsAddress() {
    try {
      return InetAddress.getByAddress(new byte[] {10, (byte) 200, 3, (byte) 254}).hashCode()
          == 0x0AC803FE;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  public boolean contains(InetAddress address) {
    if (address == null || (address instanceof Inet4Address) != v4) {
      return false;
    }
    if (v4 && V4_HASH_IS_ADDRESS) {
      long word = (address.hashCode() & 0xFFFFFFFFL) << 32;
      return (word & mask(prefixLength)) == high;
    }
    byte[] b = address.getAddress();
    return (word(b, 0) & mask(prefixLength)) == high
        && (word(b, 8) & mask(prefixLength - 64)) == low;
  }

  /** Bytes {@code from..from+7} as a big-endian long; missing bytes (IPv4) are zero. */
  private static long word(byte[] b, int from) {
    long w = 0;
    for (int i = 0; i < 8; i++) {
      int at = from + i;
      w = (w << 8) | (at < b.length ? b[at] & 0xFFL : 0);
    }
    return w;
  }

  /** A mask of the leading {@code n} bits of a long, clamped to 0..64. */
  private static long mask(int n) {
    if (n <= 0) {
      return 0;
    }
    return n >= 64 ? -1L : -1L << (64 - n);
  }

  private static byte[] literal(String address) {
    boolean ipv6 = address.indexOf(':') >= 0;
    boolean plausible =
        !address.isEmpty()
            && address.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
    if (!plausible || (!ipv6 && !address.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
      throw new IllegalArgumentException("'" + address + "' is not an IP address");
    }
    try {
      // A literal of hex digits, dots and colons never triggers a DNS lookup.
      return InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + address + "' is not an IP address");
    }
  }

  @Override
  public String toString() {
    return (v4 ? "v4:" : "v6:")
        + Long.toHexString(high)
        + Long.toHexString(low)
        + "/"
        + prefixLength;
  }
}
