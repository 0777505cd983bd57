package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshRequest;
import java.util.List;
import okhttp3.HttpUrl;
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

  @Override
  public String path() {
    HttpUrl url = request.url();
    String query = url.encodedQuery();
    return query == null ? url.encodedPath() : url.encodedPath() + '?' + query;
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
