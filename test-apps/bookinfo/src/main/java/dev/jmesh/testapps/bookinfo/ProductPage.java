package dev.jmesh.testapps.bookinfo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * bookinfo's {@code productpage} on the JDK's {@code HttpServer}: {@code GET /productpage} asks
 * {@code details} and {@code reviews} (JDK {@code HttpClient}) for book 1 and answers three lines,
 * one per service, each naming the version that answered. The caller's {@code end-user} header is
 * passed on, so a route on it (jason to reviews v2) applies. A failed call is shown in the page, as
 * bookinfo does, and the page itself is still 200.
 */
final class ProductPage {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final int port;

  private ProductPage(int port) {
    this.port = port;
  }

  static int start(String bindHost, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bindHost, port), 64);
    ProductPage page = new ProductPage(port);
    server.createContext("/", page::handle);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.start();
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String endUser = exchange.getRequestHeaders().getFirst("end-user");
    String path = exchange.getRequestURI().getPath();
    Answer answer;
    if (path.equals("/productpage") || path.equals("/")) {
      String id = "1";
      answer =
          Answer.ok(
              "productpage v1 (jdk-httpserver + jdk-httpclient)"
                  + (endUser == null ? "" : ", end-user " + endUser)
                  + "\n  details: "
                  + call("details", "/details/" + id, endUser)
                  + "\n  reviews: "
                  + call("reviews", "/reviews/" + id, endUser)
                  + "\n");
    } else {
      answer = new Answer(404, "no such page: " + path + " (try /productpage)\n");
    }
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(answer.status(), body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** One line: the service's answer, or why there is none. */
  private String call(String service, String path, String endUser) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + service + ":" + port + path))
            .timeout(TIMEOUT);
    if (endUser != null) {
      request.header("end-user", endUser);
    }
    try {
      HttpResponse<String> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String body = response.body().trim();
      return response.statusCode() == 200
          ? body
          : "error " + response.statusCode() + " from " + service + " (" + body + ")";
    } catch (IOException e) {
      return "error from " + service + " (" + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
