package dev.jmesh.testapps.servers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code /forward?to=<url>&client=jdk-httpclient|jdk-urlconnection}: the handler calls another
 * service the way a plain application does — a fresh request with none of the inbound request's
 * headers — and answers with what it got. A mesh that carries trace context across the handler
 * shows it in the downstream's report.
 */
final class Forward {

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Forward() {}

  static String call(String rawQuery) throws IOException, InterruptedException {
    String to = param(rawQuery, "to");
    if (to == null) {
      return "forward: missing to=<url>\n";
    }
    String client = param(rawQuery, "client");
    if ("jdk-urlconnection".equals(client)) {
      HttpURLConnection c = (HttpURLConnection) URI.create(to).toURL().openConnection();
      c.setConnectTimeout(5_000);
      c.setReadTimeout(10_000);
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      return "forwarded-status=" + status + "\n" + read(in);
    }
    HttpResponse<String> r =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create(to)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    return "forwarded-status=" + r.statusCode() + "\n" + r.body();
  }

  private static String read(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private static String param(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
