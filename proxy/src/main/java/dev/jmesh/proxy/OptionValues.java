package dev.jmesh.proxy;

import dev.jmesh.dataplane.settings.BadSettingException;
import java.net.InetSocketAddress;

/** Reads the values of the proxy's own options, each error naming the option and the fix. */
final class OptionValues {

  private OptionValues() {}

  static BadSettingException bad(String origin, String value, String why) {
    return new BadSettingException("bad setting " + origin + "=\"" + value + "\" " + why);
  }

  static int port(String text, String origin, String value, String what)
      throws BadSettingException {
    return port(text, origin, value, what, false);
  }

  /** A TCP port, 1-65535, or with {@code zeroAllowed} also 0 (any free port). */
  static int port(String text, String origin, String value, String what, boolean zeroAllowed)
      throws BadSettingException {
    try {
      int port = Integer.parseInt(text.trim());
      if (port >= (zeroAllowed ? 0 : 1) && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw bad(
        origin,
        value,
        "has no valid port for "
            + what
            + " ('"
            + text.trim()
            + "'); a port is "
            + (zeroAllowed ? "0" : "1")
            + "-65535");
  }

  static InetSocketAddress hostPort(String text, String origin, String value, String what)
      throws BadSettingException {
    return hostPort(text, origin, value, what, false);
  }

  /** {@code 127.0.0.1:9081}: an IP literal (never looked up in DNS) and a port. */
  static InetSocketAddress hostPort(
      String text, String origin, String value, String what, boolean zeroAllowed)
      throws BadSettingException {
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0) {
      throw bad(origin, value, "has no HOST:PORT for " + what + " ('" + t + "')");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!isIpLiteral(host) && !host.equals("localhost")) {
      throw bad(
          origin,
          value,
          "names '" + host + "' for " + what + "; use an IP address such as 127.0.0.1");
    }
    int port = port(t.substring(colon + 1), origin, value, what, zeroAllowed);
    return new InetSocketAddress(host.equals("localhost") ? "127.0.0.1" : host, port);
  }

  private static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return host.matches("[0-9A-Fa-f:.]+");
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }
}
