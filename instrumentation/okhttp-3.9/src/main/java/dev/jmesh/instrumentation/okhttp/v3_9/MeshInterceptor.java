package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Injected into the application class loader that loads OkHttp: hands each request to the data
 * path through the bridge, then lets it proceed. Runs as the first application interceptor, so
 * it sees each call once, before retries and redirects of OkHttp's own.
 */
public final class MeshInterceptor implements Interceptor {

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!chain.call().isCanceled()) {
      HttpUrl url = request.url();
      MeshHooks.beforeHttpRequest(
          "okhttp", request.method(), url.host() + ":" + url.port(), url.encodedPath());
    }
    return chain.proceed(request);
  }
}
