package dev.jmesh.instrumentation.jdkhttpserver;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshServerChannel;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The exchange the application's filters and handler get for a request the mesh let through: the
 * server's own, with the mesh's request header changes (the server's request headers are read-only,
 * so they are a changed copy), the mesh's response headers added when the handler sends its own,
 * and the request recorded ({@link MeshInboundRequest#finish}, once) when the exchange ends: by
 * {@link #close()}, by closing the response body, or by the connection closing under it.
 */
final class MeshHttpExchange extends HttpExchange {

  private final HttpExchange exchange;
  private final MeshInboundRequest request;
  private final MeshServerChannel connection;
  private final Headers requestHeaders;
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile int status;
  private volatile long received;
  private volatile long sent;

  MeshHttpExchange(
      HttpExchange exchange, MeshInboundRequest request, MeshServerChannel connection) {
    this.exchange = exchange;
    this.request = request;
    this.connection = connection;
    Headers copy = new Headers();
    copy.putAll(exchange.getRequestHeaders());
    request.requestHeaders(new HeadersView(copy));
    this.requestHeaders = copy;
  }

  /** Records the request as the client saw it (status 0: no response began); once. */
  void finish() {
    if (finished.compareAndSet(false, true)) {
      connection.end(this);
      request.finish(status, -1, received, sent);
    }
  }

  @Override
  public Headers getRequestHeaders() {
    return requestHeaders;
  }

  @Override
  public Headers getResponseHeaders() {
    return exchange.getResponseHeaders();
  }

  @Override
  public URI getRequestURI() {
    return exchange.getRequestURI();
  }

  @Override
  public String getRequestMethod() {
    return exchange.getRequestMethod();
  }

  @Override
  public HttpContext getHttpContext() {
    return exchange.getHttpContext();
  }

  @Override
  public void close() {
    try {
      exchange.close();
    } finally {
      finish();
    }
  }

  @Override
  public InputStream getRequestBody() {
    return new Counted(exchange.getRequestBody());
  }

  @Override
  public OutputStream getResponseBody() {
    return new Sent(exchange.getResponseBody());
  }

  @Override
  public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
    request.responseHeaders(new HeadersView(exchange.getResponseHeaders()));
    exchange.sendResponseHeaders(rCode, responseLength);
    status = rCode;
  }

  @Override
  public InetSocketAddress getRemoteAddress() {
    return exchange.getRemoteAddress();
  }

  @Override
  public int getResponseCode() {
    return exchange.getResponseCode();
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    return exchange.getLocalAddress();
  }

  @Override
  public String getProtocol() {
    return exchange.getProtocol();
  }

  @Override
  public Object getAttribute(String name) {
    return exchange.getAttribute(name);
  }

  @Override
  public void setAttribute(String name, Object value) {
    exchange.setAttribute(name, value);
  }

  @Override
  public void setStreams(InputStream i, OutputStream o) {
    exchange.setStreams(i, o);
  }

  @Override
  public HttpPrincipal getPrincipal() {
    return exchange.getPrincipal();
  }

  /** The request body, counted as the application reads it. */
  private final class Counted extends FilterInputStream {
    Counted(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        received++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        received += n;
      }
      return n;
    }
  }

  /** The response body, counted; closing it ends the exchange, as the server's own does. */
  private final class Sent extends FilterOutputStream {
    Sent(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      sent++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      sent += len;
    }

    @Override
    public void close() throws IOException {
      try {
        out.close();
      } finally {
        finish();
      }
    }
  }
}
