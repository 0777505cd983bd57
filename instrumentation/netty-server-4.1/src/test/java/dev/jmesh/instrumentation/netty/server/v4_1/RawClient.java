package dev.jmesh.instrumentation.netty.server.v4_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** One client connection, plaintext or mesh TLS, writing raw HTTP/1.1 and reading answers. */
final class RawClient implements AutoCloseable {

  private final Socket socket;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(5000);
  }

  static RawClient plaintext(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    return new RawClient(s);
  }

  static RawClient tls(int port, SSLContext context) throws IOException {
    Socket plain = new Socket();
    plain.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    SSLSocket s =
        (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
    s.setSoTimeout(5000);
    s.startHandshake();
    return new RawClient(s);
  }

  /** One GET on a connection that closes after it: the whole answer, "" if none came. */
  static String get(RawClient c, String path, String... headers) throws IOException {
    try (c) {
      c.send("GET " + path, "", concat(headers, "Connection: close"));
      return c.readAll();
    }
  }

  private static String[] concat(String[] headers, String last) {
    String[] all = java.util.Arrays.copyOf(headers, headers.length + 1);
    all[headers.length] = last;
    return all;
  }

  /** Sends {@code "METHOD /path"} with {@code body} (Content-Length) and extra headers. */
  void send(String requestLine, String body, String... headers) throws IOException {
    StringBuilder b = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: app\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    if (!body.isEmpty()) {
      b.append("Content-Length: ").append(body.length()).append("\r\n");
    }
    b.append("\r\n").append(body);
    OutputStream out = socket.getOutputStream();
    out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Reads one response with a Content-Length body on a kept-alive connection. */
  String readResponse() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
      head.write(c);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : h.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
  }

  /** Exactly {@code n} bytes from the server. */
  byte[] readBytes(int n) throws IOException {
    return socket.getInputStream().readNBytes(n);
  }

  /** Everything until the server closes; "" when it closed (or reset) without a byte. */
  String readAll() throws IOException {
    try {
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (java.net.SocketException reset) {
      return "";
    }
  }

  /** Whether the server closed the connection (end of stream or reset) without answering. */
  boolean closedByServer() {
    try {
      return socket.getInputStream().read() < 0;
    } catch (IOException e) {
      return !(e instanceof java.net.SocketTimeoutException);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
