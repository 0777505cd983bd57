package dev.jmesh.testapps.httpclients;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/** The JDK's {@link HttpClient}, preferring HTTP/2 (h2c upgrade on {@code http://}). */
final class JdkHttpClientLibrary implements ClientLibrary {

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_2)
          .connectTimeout(ClientTimeouts.CONNECT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @Override
  public Outcome send(Exchange exchange) throws Exception {
    return outcome(client.send(request(exchange), HttpResponse.BodyHandlers.ofByteArray()));
  }

  @Override
  public CompletableFuture<Outcome> sendAsync(Exchange exchange) {
    return client
        .sendAsync(request(exchange), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(JdkHttpClientLibrary::outcome);
  }

  @Override
  public boolean hasAsync() {
    return true;
  }

  private static HttpRequest request(Exchange exchange) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(exchange.uri()).timeout(ClientTimeouts.REQUEST);
    for (String[] header : exchange.headers()) {
      request.header(header[0], header[1]);
    }
    HttpRequest.BodyPublisher body;
    if (!exchange.hasBody()) {
      body = HttpRequest.BodyPublishers.noBody();
    } else if (exchange.streamBody()) {
      byte[] bytes = exchange.body();
      body = HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes));
    } else {
      body = HttpRequest.BodyPublishers.ofByteArray(exchange.body());
    }
    return request.method(exchange.method(), body).build();
  }

  private static Outcome outcome(HttpResponse<byte[]> response) {
    return Outcome.of(response.statusCode(), response.version().name(), response.body());
  }
}
