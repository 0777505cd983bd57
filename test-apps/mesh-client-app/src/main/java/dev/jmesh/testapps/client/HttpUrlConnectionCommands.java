package dev.jmesh.testapps.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * {@code http}, {@code upload} and {@code download} through {@link HttpURLConnection}, the HTTP/1.1
 * client most legacy JVM code still uses.
 */
final class HttpUrlConnectionCommands {

  private static final int CONNECT_TIMEOUT_MS = 10_000;
  private static final int READ_TIMEOUT_MS = 60_000;

  private HttpUrlConnectionCommands() {}

  /** {@code http <METHOD> <url> [Header:Value ...]}. */
  static String http(String[] args) throws IOException {
    ClientCommand.expect(args, 2, "http <METHOD> <url> [Header:Value ...]");
    HttpURLConnection connection = open(args[1]);
    connection.setRequestMethod(args[0]);
    for (int i = 2; i < args.length; i++) {
      int colon = args[i].indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("header must be Name:Value, got " + args[i]);
      }
      connection.addRequestProperty(args[i].substring(0, colon), args[i].substring(colon + 1));
    }
    int status = connection.getResponseCode();
    return "status=" + status + " body=" + Bodies.readShown(body(connection, status));
  }

  /** {@code upload <url> <bytes>}: a POST streamed in fixed-length mode, never buffered. */
  static String upload(String[] args) throws IOException {
    ClientCommand.expect(args, 2, "upload <url> <bytes>");
    long bytes = Long.parseLong(args[1]);
    HttpURLConnection connection = open(args[0]);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    // Without this HttpURLConnection buffers the whole body to compute Content-Length.
    connection.setFixedLengthStreamingMode(bytes);
    connection.setRequestProperty("Content-Type", "application/octet-stream");
    try (OutputStream out = connection.getOutputStream()) {
      Bodies.write(out, bytes);
    }
    int status = connection.getResponseCode();
    return "status=" + status + " body=" + Bodies.readShown(body(connection, status));
  }

  /** {@code download <url> <bytes>}: counts the body without keeping it. */
  static String download(String[] args) throws IOException {
    ClientCommand.expect(args, 1, "download <url> [bytes]");
    String url = args[0];
    if (args.length > 1 && !url.contains("bytes=")) {
      url += (url.contains("?") ? "&" : "?") + "bytes=" + Long.parseLong(args[1]);
    }
    HttpURLConnection connection = open(url);
    int status = connection.getResponseCode();
    InputStream body = body(connection, status);
    long received = 0;
    if (body != null) {
      try (body) {
        received = Bodies.count(body);
      }
    }
    return "status=" + status + " bytes=" + received;
  }

  private static HttpURLConnection open(String url) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
    connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
    connection.setReadTimeout(READ_TIMEOUT_MS);
    // A redirect is a result to report (the mesh may send one), not something to chase.
    connection.setInstanceFollowRedirects(false);
    return connection;
  }

  private static InputStream body(HttpURLConnection connection, int status) throws IOException {
    return status >= 400 ? connection.getErrorStream() : connection.getInputStream();
  }
}
