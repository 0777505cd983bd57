package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.MeshRequest;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.util.List;
import reactor.netty.http.client.HttpClientConfig;

/**
 * A Reactor Netty request as the data path reads it: method, URL and headers from the request's
 * configuration, plus the headers {@code WebClient} adds only when it writes the request.
 */
final class ReactorRequest implements MeshRequest {

  private final String method;
  private final String host;
  private final int port;
  private final String path;
  private final HttpHeaders headers;
  private final PendingHeaders pending;

  private ReactorRequest(
      String method,
      String host,
      int port,
      String path,
      HttpHeaders headers,
      PendingHeaders pending) {
    this.method = method;
    this.host = host;
    this.port = port;
    this.path = path;
    this.headers = headers;
    this.pending = pending;
  }

  /**
   * The request {@code config} describes, or {@code null} when it is not one the direct path takes:
   * a URL it cannot read, TLS of the application's own ({@code https}), a WebSocket.
   */
  static ReactorRequest of(HttpClientConfig config, PendingHeaders pending) {
    if (config.websocketClientSpec() != null || config.method() == null) {
      return null;
    }
    String uri = config.uri();
    String base = config.baseUrl();
    if (uri == null) {
      uri = "/";
    }
    if (base != null && uri.startsWith("/")) {
      uri = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + uri;
    }
    URI parsed;
    try {
      parsed = URI.create(uri);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!"http".equalsIgnoreCase(parsed.getScheme()) || parsed.getHost() == null) {
      return null;
    }
    String host = parsed.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = parsed.getPort() > 0 ? parsed.getPort() : 80;
    String path =
        parsed.getRawPath() == null || parsed.getRawPath().isEmpty() ? "/" : parsed.getRawPath();
    if (parsed.getRawQuery() != null) {
      path = path + "?" + parsed.getRawQuery();
    }
    return new ReactorRequest(config.method().name(), host, port, path, config.headers(), pending);
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String header(String lowerCaseName) {
    if (pending != null) {
      String v = pending.value(lowerCaseName);
      if (v != null) {
        return v;
      }
    }
    if (headers == null) {
      return null;
    }
    List<String> all = headers.getAll(lowerCaseName);
    if (all.isEmpty()) {
      return null;
    }
    return all.size() == 1 ? all.get(0) : String.join(",", all);
  }

  /**
   * Whether the request's body may be sent again. Reactor Netty writes a body by calling the
   * application's function again, and whether what it returns can be read twice is unknown until
   * then: only methods that carry no body in practice are replayable.
   */
  boolean replayable() {
    switch (method) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "TRACE":
      case "DELETE":
        return headers == null
            || !headers.contains("content-length")
            || "0".equals(headers.get("content-length"));
      default:
        return false;
    }
  }
}
