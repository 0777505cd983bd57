package dev.jmesh.testapps.outboundload;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * {@code okhttp}: one {@link OkHttpClient} whose pool keeps a connection per worker (its default of
 * 5 idle connections would close and reopen the others all the time).
 */
final class OkHttpLoad implements HttpLoadClient {

  private final OkHttpClient client;
  private final HttpUrl url;

  OkHttpLoad(URI url, int connections) {
    this.url = HttpUrl.get(url.toString());
    this.client =
        new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(connections, 5, TimeUnit.MINUTES))
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(10, TimeUnit.SECONDS)
            .build();
  }

  @Override
  public int get() throws Exception {
    Request request = new Request.Builder().url(url).get().build();
    try (Response response = client.newCall(request).execute()) {
      response.body().bytes();
      return response.code();
    }
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
