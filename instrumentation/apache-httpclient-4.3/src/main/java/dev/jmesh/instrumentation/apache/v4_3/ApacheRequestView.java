package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.bootstrap.MeshRequest;
import java.net.URI;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.client.methods.HttpUriRequest;

/**
 * An Apache 4 request as the data path reads it: the host and port the application addressed (the
 * execute call's target, else the request's absolute URI) and its headers, read in place.
 */
final class ApacheRequestView implements MeshRequest {

  private final HttpRequest request;
  private final URI uri;
  private final String scheme;
  private final String host;
  private final int port;

  private ApacheRequestView(HttpRequest request, URI uri, String scheme, String host, int port) {
    this.request = request;
    this.uri = uri;
    this.scheme = scheme;
    this.host = host;
    this.port = port;
  }

  /** The view, or {@code null} when the request names no host (nothing the mesh could route). */
  static ApacheRequestView of(HttpHost target, HttpRequest request) {
    URI uri;
    try {
      uri =
          request instanceof HttpUriRequest
              ? ((HttpUriRequest) request).getURI()
              : URI.create(request.getRequestLine().getUri());
    } catch (IllegalArgumentException e) {
      return null;
    }
    String scheme;
    String host;
    int port;
    if (target != null) {
      scheme = target.getSchemeName();
      host = target.getHostName();
      port = target.getPort();
    } else if (uri.isAbsolute() && uri.getHost() != null) {
      scheme = uri.getScheme();
      host = uri.getHost();
      port = uri.getPort();
    } else {
      return null;
    }
    if (scheme == null) {
      scheme = "http";
    }
    if (port < 0) {
      port = "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }
    return new ApacheRequestView(request, uri, scheme, host, port);
  }

  String scheme() {
    return scheme;
  }

  /** The request's URI as the application wrote it (absolute or not). */
  URI uri() {
    return uri;
  }

  @Override
  public String method() {
    return request.getRequestLine().getMethod();
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
    String path = uri.getRawPath();
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    String query = uri.getRawQuery();
    return query == null ? path : path + "?" + query;
  }

  @Override
  public String header(String lowerCaseName) {
    Header[] headers = request.getHeaders(lowerCaseName);
    if (headers.length == 0) {
      return null;
    }
    if (headers.length == 1) {
      return headers[0].getValue();
    }
    StringBuilder joined = new StringBuilder(headers[0].getValue());
    for (int i = 1; i < headers.length; i++) {
      joined.append(',').append(headers[i].getValue());
    }
    return joined.toString();
  }
}
