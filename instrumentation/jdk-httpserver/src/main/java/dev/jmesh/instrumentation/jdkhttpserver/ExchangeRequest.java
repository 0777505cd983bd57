package dev.jmesh.instrumentation.jdkhttpserver;

import com.sun.net.httpserver.HttpExchange;
import dev.jmesh.bootstrap.MeshRequest;
import java.net.URI;
import java.util.List;

/** An exchange's request as the mesh's policy reads it, in place. */
final class ExchangeRequest implements MeshRequest {

  private final HttpExchange exchange;

  ExchangeRequest(HttpExchange exchange) {
    this.exchange = exchange;
  }

  @Override
  public String method() {
    return exchange.getRequestMethod();
  }

  @Override
  public String host() {
    String host = authority();
    if (host == null) {
      return exchange.getLocalAddress().getAddress().getHostAddress();
    }
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 ? host.substring(1, end) : host;
    }
    int colon = host.lastIndexOf(':');
    return colon >= 0 ? host.substring(0, colon) : host;
  }

  @Override
  public int port() {
    String host = authority();
    if (host != null) {
      int colon = host.lastIndexOf(':');
      if (colon >= 0 && colon > host.lastIndexOf(']')) {
        try {
          return Integer.parseInt(host.substring(colon + 1));
        } catch (NumberFormatException e) {
          // fall through to the port the connection came in on
        }
      }
    }
    return exchange.getLocalAddress().getPort();
  }

  @Override
  public String path() {
    URI uri = exchange.getRequestURI();
    String path = uri.getRawPath();
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    String query = uri.getRawQuery();
    return query == null ? path : path + "?" + query;
  }

  @Override
  public String header(String lowerCaseName) {
    List<String> values = exchange.getRequestHeaders().get(lowerCaseName);
    if (values == null || values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  private String authority() {
    return exchange.getRequestHeaders().getFirst("Host");
  }
}
