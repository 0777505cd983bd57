package dev.jmesh.dataplane.settings;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IPv4 or IPv6 address range such as {@code 10.0.0.0/8}, parsed without any DNS lookup. */
public final class Cidr {

  private final byte[] network;
  private final int prefixLength;
  private final String text;

  private Cidr(byte[] network, int prefixLength, String text) {
    this.network = network;
    this.prefixLength = prefixLength;
    this.text = text;
  }

  /** Parses {@code address/prefix}; a bare address is a single host. */
  public static Cidr parse(String text) {
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
    byte[] bytes = IpLiteral.parse(address);
    if (bytes == null) {
      throw new IllegalArgumentException("'" + address + "' is not an IP address");
    }
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String digits = trimmed.substring(slash + 1);
      prefix =
          digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)
              ? -1
              : Integer.parseInt(digits);
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException(
            "prefix length /" + trimmed.substring(slash + 1) + " is not in 0.." + max);
      }
    }
    return new Cidr(mask(bytes, prefix), prefix, trimmed);
  }

  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    return candidate.length == network.length
        && Arrays.equals(mask(candidate, prefixLength), network);
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] masked = bytes.clone();
    for (int i = 0; i < masked.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - i * 8));
      masked[i] &= (byte) (0xFF << (8 - bits));
    }
    return masked;
  }

  @Override
  public String toString() {
    return text;
  }

  /** Literal IP parsing that can never turn into a DNS query. */
  static final class IpLiteral {
    private IpLiteral() {}

    static byte[] parse(String s) {
      if (s.isEmpty()) {
        return null;
      }
      if (s.indexOf(':') >= 0) {
        return parseV6(s);
      }
      String[] parts = s.split("\\.", -1);
      if (parts.length != 4) {
        return null;
      }
      byte[] out = new byte[4];
      for (int i = 0; i < 4; i++) {
        if (parts[i].isEmpty()
            || parts[i].length() > 3
            || !parts[i].chars().allMatch(Character::isDigit)) {
          return null;
        }
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          return null;
        }
        out[i] = (byte) v;
      }
      return out;
    }

    private static byte[] parseV6(String s) {
      // Only hex digits, colons and an embedded IPv4 tail reach InetAddress, which then parses
      // the literal without resolving anything.
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
          return null;
        }
      }
      try {
        return InetAddress.getByName("[" + s + "]").getAddress();
      } catch (UnknownHostException e) {
        return null;
      }
    }
  }
}
