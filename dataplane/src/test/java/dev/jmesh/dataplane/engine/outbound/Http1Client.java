package dev.jmesh.dataplane.engine.outbound;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** An application's HTTP/1.1 keep-alive connection, on a plain socket, as the hook redirects it. */
final class Http1Client implements AutoCloseable {

  record Response(int status, Map<String, String> headers, String body) {}

  final Socket socket = new Socket();
  private final InputStream in;
  private final OutputStream out;

  Http1Client(InetSocketAddress engine) throws IOException {
    socket.connect(engine, 2000);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  Response get(String path) throws IOException {
    return send("GET", path, null);
  }

  Response send(String method, String path, String body) throws IOException {
    writeHead(method, path, body);
    return read();
  }

  void writeHead(String method, String path, String body) throws IOException {
    StringBuilder req =
        new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: reviews:9080\r\n");
    if (body != null) {
      req.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length);
      req.append("\r\n");
    }
    req.append("\r\n");
    if (body != null) {
      req.append(body);
    }
    out.write(req.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Writes {@code text} as it is: a head or body the test composes itself. */
  void writeRaw(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** The status line and headers of the next response; the body is left to read. */
  Response readHead() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while (!(l = line()).isEmpty()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(), l.substring(colon + 1).trim());
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, null);
  }

  Response read() throws IOException {
    Response head = readHead();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String length = head.headers().get("content-length");
    if (length != null) {
      body.write(in.readNBytes(Integer.parseInt(length)));
    } else if ("chunked".equals(head.headers().get("transfer-encoding"))) {
      while (true) {
        int size = Integer.parseInt(line().trim(), 16);
        if (size == 0) {
          line();
          break;
        }
        body.write(in.readNBytes(size));
        line();
      }
    }
    return new Response(head.status(), head.headers(), body.toString(StandardCharsets.UTF_8));
  }

  InputStream input() {
    return in;
  }

  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int n = b.length();
        return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
