package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.bootstrap.MeshRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/**
 * A Netty request as the mesh reads it, in place: host and port from {@code Host} (the port the
 * connection arrived on when it names none), the request target as sent.
 */
final class NettyInboundRequest implements MeshRequest {

  private final HttpRequest request;
  private final int localPort;

  NettyInboundRequest(HttpRequest request, int localPort) {
    this.request = request;
    this.localPort = localPort;
  }

  @Override
  public String method() {
    return request.method().name();
  }

  @Override
  public String host() {
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (host == null) {
      return "";
    }
    int colon = portColon(host);
    return colon < 0 ? host : host.substring(0, colon);
  }

  @Override
  public int port() {
    String host = request.headers().get(HttpHeaderNames.HOST);
    int colon = host == null ? -1 : portColon(host);
    if (colon >= 0) {
      try {
        return Integer.parseInt(host.substring(colon + 1));
      } catch (NumberFormatException e) {
        return localPort;
      }
    }
    return localPort;
  }

  /** The colon before a port, past an IPv6 literal's brackets; -1 for none. */
  private static int portColon(String host) {
    int colon = host.lastIndexOf(':');
    return colon > host.lastIndexOf(']') ? colon : -1;
  }

  @Override
  public String path() {
    return request.uri();
  }

  @Override
  public String header(String lowerCaseName) {
    List<String> values = request.headers().getAll(lowerCaseName);
    if (values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }
}
