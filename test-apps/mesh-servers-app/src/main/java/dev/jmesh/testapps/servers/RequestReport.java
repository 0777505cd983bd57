package dev.jmesh.testapps.servers;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The body every HTTP kind answers for an ordinary request: what the server saw, one fact per line,
 * so a test can assert what the mesh changed on the way (host, forwarded headers, peer).
 */
final class RequestReport {

  private RequestReport() {}

  /**
   * Renders the report. {@code headers} holds the request's (name, value) pairs in any order and
   * case; they are listed lower-cased and sorted by name, then value. {@code authority} (or null)
   * is the HTTP/2 {@code :authority}, shown as the host when no Host header came.
   */
  static String render(
      String kind,
      String method,
      String pathWithQuery,
      String protocol,
      String peer,
      String authority,
      List<Map.Entry<String, String>> headers) {
    List<String> headerLines = new ArrayList<>(headers.size());
    String host = null;
    String xff = null;
    String xfcc = null;
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      String value = header.getValue();
      switch (name) {
        case "host" -> host = host == null ? value : host;
        case "x-forwarded-for" -> xff = xff == null ? value : xff;
        case "x-forwarded-client-cert" -> xfcc = xfcc == null ? value : xfcc;
        default -> {}
      }
      headerLines.add("header:" + name + "=" + value);
    }
    headerLines.sort(null);
    StringBuilder body = new StringBuilder(256);
    line(body, "kind", kind);
    line(body, "method", method);
    line(body, "path", pathWithQuery);
    line(body, "host", orDash(host != null ? host : authority));
    line(body, "xff", orDash(xff));
    line(body, "xfcc", orDash(xfcc));
    line(body, "peer", peer);
    line(body, "protocol", protocol);
    for (String headerLine : headerLines) {
      body.append(headerLine).append('\n');
    }
    return body.toString();
  }

  /** {@code ip:port} without the leading slash or host name {@link InetSocketAddress} prints. */
  static String peer(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String host = ip != null ? ip.getHostAddress() : address.getHostString();
    return host + ":" + address.getPort();
  }

  private static void line(StringBuilder body, String key, String value) {
    body.append(key).append('=').append(value).append('\n');
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }
}
