package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.MeshRequest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;

/** An application's {@link HttpRequest} as the data path reads it; nothing is copied. */
final class RequestView implements MeshRequest {

  private final HttpRequest request;
  private final URI uri;

  RequestView(HttpRequest request) {
    this.request = request;
    this.uri = request.uri();
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public String host() {
    return uri.getHost();
  }

  @Override
  public int port() {
    int port = uri.getPort();
    return port >= 0 ? port : 80;
  }

  @Override
  public String path() {
    String path = uri.getRawPath();
    String query = uri.getRawQuery();
    String target = path == null || path.isEmpty() ? "/" : path;
    return query == null ? target : target + '?' + query;
  }

  @Override
  public String header(String lowerCaseName) {
    List<String> values = request.headers().allValues(lowerCaseName);
    if (values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }
}
