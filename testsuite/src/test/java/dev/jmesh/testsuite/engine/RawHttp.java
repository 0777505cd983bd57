package dev.jmesh.testsuite.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 on a bare socket, for what no well-behaved client sends: smuggling attempts, folded
 * headers, a request that never finishes. Answers are read until the server closes or stops
 * talking; a reset or a silent close reads as an empty answer.
 */
final class RawHttp {

  private RawHttp() {}

  static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return readAll(s.getInputStream());
    }
  }

  /** A GET that closes the connection after the answer. */
  static String get(int port, String path, String... headers) throws IOException {
    StringBuilder request =
        new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (String h : headers) {
      request.append(h).append("\r\n");
    }
    return exchange(port, request.append("\r\n").toString());
  }

  static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = in.read(buffer)) > 0) {
        out.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException | SocketException e) {
      // the server stopped talking or reset: what came so far is the answer
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** The status code of an answer, -1 when there was none. */
  static int status(String answer) {
    if (!answer.startsWith("HTTP/1.")) {
      return -1;
    }
    return Integer.parseInt(answer.substring(9, 12));
  }
}
