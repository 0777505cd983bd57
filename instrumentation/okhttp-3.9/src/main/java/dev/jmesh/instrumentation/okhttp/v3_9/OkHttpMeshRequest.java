package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshRequest;
import java.util.List;
import okhttp3.Request;

/** The application's OkHttp {@link Request} as the data path reads it: in place, nothing copied. */
final class OkHttpMeshRequest implements MeshRequest {

  private final Request request;

  OkHttpMeshRequest(Request request) {
    this.request = request;
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public String host() {
    return request.url().host();
  }

  @Override
  public int port() {
    return request.url().port();
  }

  /**
   * The path and query as they stand in the URL's own string ({@code toString()} returns it as
   * kept): one substring, where {@code encodedPath()} and {@code encodedQuery()} make one string
   * each and joining them a third. In OkHttp's canonical form only the path's own slash can be
   * the first after the scheme: user info and host have theirs percent-encoded.
   */
  @Override
  public String path() {
    String url = request.url().toString();
    int start = url.indexOf('/', url.indexOf("://") + 3);
    if (start < 0) {
      return "/";
    }
    int fragment = url.indexOf('#', start);
    return url.substring(start, fragment < 0 ? url.length() : fragment);
  }

  @Override
  public String header(String lowerCaseName) {
    List<String> values = request.headers(lowerCaseName);
    if (values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }
}
