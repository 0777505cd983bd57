package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshRequest;
import java.util.Iterator;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.net.URIAuthority;

/**
 * An Apache request as the data path reads it: the host and port the application addressed (the
 * execute call's target, else the request's own authority) and the request's headers, read in
 * place.
 */
final class ApacheRequestView implements MeshRequest {

  private final HttpRequest request;
  private final String scheme;
  private final String host;
  private final int port;

  private ApacheRequestView(HttpRequest request, String scheme, String host, int port) {
    this.request = request;
    this.scheme = scheme;
    this.host = host;
    this.port = port;
  }

  /** The view, or {@code null} when the request names no host (nothing the mesh could route). */
  static ApacheRequestView of(HttpHost target, HttpRequest request) {
    String scheme;
    String host;
    int port;
    if (target != null) {
      scheme = target.getSchemeName();
      host = target.getHostName();
      port = target.getPort();
    } else {
      URIAuthority authority = request.getAuthority();
      if (authority == null) {
        return null;
      }
      scheme = request.getScheme();
      host = authority.getHostName();
      port = authority.getPort();
    }
    if (host == null) {
      return null;
    }
    if (scheme == null) {
      scheme = "http";
    }
    if (port < 0) {
      port = "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }
    return new ApacheRequestView(request, scheme, host, port);
  }

  String scheme() {
    return scheme;
  }

  @Override
  public String method() {
    return request.getMethod();
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
    String path = request.getPath();
    return path == null || path.isEmpty() ? "/" : path;
  }

  @Override
  public String header(String lowerCaseName) {
    Iterator<Header> it = request.headerIterator(lowerCaseName);
    if (!it.hasNext()) {
      return null;
    }
    String first = it.next().getValue();
    if (!it.hasNext()) {
      return first;
    }
    StringBuilder joined = new StringBuilder(first);
    while (it.hasNext()) {
      joined.append(',').append(it.next().getValue());
    }
    return joined.toString();
  }
}
