package dev.jmesh.dataplane.engine;

/**
 * What the engine checks of a request target before it goes on. Netty's HTTP/1 decoder reads a
 * head as ISO-8859-1 and its encoder writes the target on as UTF-8, so a target with a byte above
 * 0x7f would reach the next hop as other bytes than the ones routing and policy saw (the raw UTF-8
 * of {@code /café} double-encoded). RFC 9112's request-target is ASCII: such a request is refused.
 */
public final class RequestTargets {

  private RequestTargets() {}

  /** Whether every character of {@code target} is ASCII. */
  public static boolean ascii(String target) {
    for (int i = 0, n = target.length(); i < n; i++) {
      if (target.charAt(i) > 0x7f) {
        return false;
      }
    }
    return true;
  }
}
