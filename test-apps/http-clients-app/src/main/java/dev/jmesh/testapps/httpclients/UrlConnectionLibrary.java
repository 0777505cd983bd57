package dev.jmesh.testapps.httpclients;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;

/**
 * {@link HttpURLConnection}: its pool is the JDK's keep-alive cache, shared by the whole JVM, so
 * the "one pooled client" is the JVM itself. Synchronous only.
 */
final class UrlConnectionLibrary implements ClientLibrary {

  @Override
  public Outcome send(Exchange exchange) throws Exception {
    HttpURLConnection connection = (HttpURLConnection) exchange.uri().toURL().openConnection();
    connection.setConnectTimeout((int) ClientTimeouts.CONNECT.toMillis());
    connection.setReadTimeout((int) ClientTimeouts.REQUEST.toMillis());
    connection.setInstanceFollowRedirects(false);
    connection.setRequestMethod(exchange.method());
    for (String[] header : exchange.headers()) {
      connection.setRequestProperty(header[0], header[1]);
    }
    if (exchange.hasBody()) {
      connection.setDoOutput(true);
      if (exchange.streamBody()) {
        // Streamed as written: the JDK cannot resend it.
        connection.setChunkedStreamingMode(0);
      }
      try (OutputStream out = connection.getOutputStream()) {
        out.write(exchange.body());
      }
    }
    int status = connection.getResponseCode();
    InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
    byte[] body;
    if (in == null) {
      body = new byte[0];
    } else {
      try (InputStream read = in) {
        body = read.readAllBytes();
      }
    }
    return Outcome.of(status, "HTTP_1_1", body);
  }
}
