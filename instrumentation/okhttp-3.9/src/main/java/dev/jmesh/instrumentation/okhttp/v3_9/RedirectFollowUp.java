package dev.jmesh.instrumentation.okhttp.v3_9;

import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The request OkHttp would follow a mesh redirect with. Behind a sidecar, a route's redirect
 * reaches OkHttp as a response, which follows it when the client follows redirects; a local reply
 * returned from the first interceptor would skip that, so the mesh follows it the same way: GET for
 * 300–303, method and body kept for 307/308 on GET and HEAD only, {@code Authorization} dropped
 * when the host changes.
 */
final class RedirectFollowUp {

  private RedirectFollowUp() {}

  /** The follow-up for {@code redirect}, or {@code null} when OkHttp would not follow it. */
  static Request of(Request original, Response redirect) {
    int code = redirect.code();
    boolean keepsMethod = code == 307 || code == 308;
    if (!keepsMethod && (code < 300 || code > 303)) {
      return null;
    }
    String location = redirect.header("Location");
    HttpUrl url = location == null ? null : original.url().resolve(location);
    if (url == null) {
      return null;
    }
    String method = original.method();
    boolean safe = method.equals("GET") || method.equals("HEAD");
    if (keepsMethod && !safe) {
      return null;
    }
    Request.Builder followUp = original.newBuilder().url(url);
    if (!safe) {
      followUp
          .method("GET", null)
          .removeHeader("Transfer-Encoding")
          .removeHeader("Content-Length")
          .removeHeader("Content-Type");
    }
    if (!url.host().equals(original.url().host()) || url.port() != original.url().port()) {
      followUp.removeHeader("Authorization");
    }
    return followUp.build();
  }
}
