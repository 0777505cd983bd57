package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.route.RequestView;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/** Routing's view of a Netty request, reading its headers in place. Reused per connection. */
final class RequestHeadersView implements RequestView {

  private HttpRequest request;

  RequestHeadersView of(HttpRequest r) {
    this.request = r;
    return this;
  }

  @Override
  public String method() {
    return request.method().name();
  }

  @Override
  public String authority() {
    String host = request.headers().get(HttpHeaderNames.HOST);
    return host == null ? "" : host;
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
