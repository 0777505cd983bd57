package dev.jmesh.testapps.outboundload;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code jdk-httpclient}: {@link HttpClient} over HTTP/1.1 with its default executor and pool
 * (unbounded, so one connection per worker stays open).
 */
final class JdkHttpClientLoad implements HttpLoadClient {

  private final HttpClient client;
  private final URI url;

  JdkHttpClientLoad(URI url) {
    this.url = url;
    // HTTP/1.1 like OkHttp on http://: the default (HTTP/2) would try an h2c Upgrade first.
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @Override
  public int get() throws Exception {
    // A request per call, as applications build them: a shared one would hide per-request costs.
    HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET().build();
    return client.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
  }

  @Override
  public void close() {
    // HttpClient.close() exists only from JDK 21; its threads are daemons and end with the JVM.
  }
}
