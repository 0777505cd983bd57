package dev.jmesh.dataplane.engine.inbound;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A downstream HTTP/2 stream's request sent on to an HTTP/1.1 application: one exchange on a
 * pooled keep-alive connection of the port's {@link Http1AppPool}, the pool HTTP/1.1 requests use.
 * This is what Istio's inbound cluster of an {@code http} port does (it speaks HTTP/1.1 to the
 * application whatever the client spoke), and it spares the application and the engine an HTTP/2
 * codec each.
 *
 * <p>The request's headers lose HTTP/2's pseudo-headers ({@code :authority} becomes {@code Host})
 * and split {@code cookie} fields are joined; a body of unknown length goes chunked, so trailers
 * reach the application. The response's headers lose HTTP/1.1's connection-specific fields. The
 * connection goes back to the pool once both the request and the response ended cleanly; a pooled
 * connection the application closed just as it was reused is redialled once for a bodiless GET,
 * HEAD or OPTIONS, as {@link Http1Exchange} does.
 */
final class Http1ApplicationStream implements ApplicationStream, Http1Upstream.Exchange {

  /**
   * HTTP/1.1's connection-specific fields, which HTTP/2 forbids (RFC 9113 8.2.2): Netty's decoder
   * refuses them already; left out here too, since one that got through (a {@code
   * Transfer-Encoding} beside a {@code Content-Length}) would frame the body for the application
   * another way than the engine did.
   */
  private static final List<AsciiString> CONNECTION_SPECIFIC =
      List.of(
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.KEEP_ALIVE,
          HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.UPGRADE,
          HttpHeaderNames.TE);

  /**
   * Headers that do not check what is added: everything copied into them was validated already
   * ({@link #request}).
   */
  private static final DefaultHttpHeadersFactory UNCHECKED =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  private final Http2StreamExchange exchange;
  private final Http1AppPool pool;

  /** The leased connection; null before it opens and once the exchange let go of it. */
  private Channel app;

  private Http1Upstream handler;
  private final HttpRequest request;
  private boolean requestSent;
  private boolean requestEnded;
  private boolean responseStarted;
  private boolean informational;
  private boolean closeAfter;
  private boolean reused;
  private boolean retried;
  private boolean closed;

  private Http1ApplicationStream(
      Http2StreamExchange exchange, Http1AppPool pool, HttpRequest request, boolean requestEnded) {
    this.exchange = exchange;
    this.pool = pool;
    this.request = request;
    this.requestEnded = requestEnded;
  }

  /**
   * Leases an idle connection (the usual case: at once) or dials one, for the request {@code
   * headers} begin; false, with nothing leased, when they cannot be put in an HTTP/1.1 request
   * (a target or a field value HTTP/1.1 cannot carry: sent on, a CR or LF would let the client
   * write headers or a request of its own).
   */
  static boolean open(
      Http2StreamExchange exchange, Http1AppPool pool, Http2Headers headers, boolean endStream) {
    HttpRequest request;
    try {
      request = request(headers, endStream);
    } catch (IllegalArgumentException e) {
      return false;
    }
    Http1ApplicationStream side = new Http1ApplicationStream(exchange, pool, request, endStream);
    Channel idle = pool.pollIdle();
    if (idle != null) {
      side.attach(idle);
    } else {
      side.dial();
    }
    return true;
  }

  private void dial() {
    Future<Channel> dialed = pool.connect();
    dialed.addListener(f -> connected(dialed));
  }

  private void connected(Future<Channel> dialed) {
    if (!dialed.isSuccess()) {
      exchange.openFailed();
      return;
    }
    if (closed) {
      pool.release(dialed.getNow());
      return;
    }
    attach(dialed.getNow());
  }

  private void attach(Channel ch) {
    app = ch;
    handler = ch.pipeline().get(Http1Upstream.class);
    handler.lease(this);
    reused = handler.reused();
    if (retried) {
      // Only a bodiless request is retried: all of it is the request object, sent again.
      ch.writeAndFlush(request, ch.voidPromise());
    } else {
      exchange.opened(this);
    }
  }

  @Override
  public void send(Object frame) {
    if (app == null) {
      ReferenceCountUtil.release(frame);
      return;
    }
    if (frame instanceof Http2HeadersFrame headers) {
      if (!requestSent) {
        // The request made of these headers when the stream opened.
        requestSent = true;
        app.write(request, app.voidPromise());
      } else {
        requestEnded = true;
        app.write(trailers(headers.headers()), app.voidPromise());
      }
    } else if (frame instanceof Http2DataFrame data) {
      requestEnded |= data.isEndStream();
      HttpContent content =
          data.isEndStream()
              ? new DefaultLastHttpContent(data.content())
              : new DefaultHttpContent(data.content());
      app.write(content, app.voidPromise());
    } else {
      ReferenceCountUtil.release(frame);
    }
  }

  /**
   * The HTTP/1.1 request for a stream's headers: a bodiless one whole (so that it can be sent
   * again), one with a body of unknown length chunked.
   *
   * <p>The fields are copied without checking them again: {@link Http2Downstream}'s decoder
   * validates every name (a lowercase token) and every value (no control character, so no CR, LF
   * or NUL) of what the client sent, and the headers it makes validate what the engine sets on
   * them the same way. Only the target is checked here, for the space and the bytes HTTP/2 allows
   * in {@code :path} and a request line does not.
   */
  private static HttpRequest request(Http2Headers h, boolean endStream) {
    if (h.method() == null) {
      throw new IllegalArgumentException("no :method");
    }
    HttpMethod method = HttpMethod.valueOf(h.method().toString());
    String target = h.path() == null ? "/" : h.path().toString();
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        throw new IllegalArgumentException("a request target byte HTTP/1.1 cannot carry");
      }
    }
    HttpHeaders out = UNCHECKED.newHeaders();
    StringBuilder cookies = null;
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      CharSequence name = e.getKey();
      if (name.length() > 0 && name.charAt(0) == ':' || connectionSpecific(name)) {
        continue;
      }
      if (HttpHeaderNames.COOKIE.contentEqualsIgnoreCase(name)) {
        // HTTP/2 may split the cookie header in pieces; HTTP/1.1 has one (RFC 9113 8.2.3).
        cookies = cookies == null ? new StringBuilder() : cookies.append("; ");
        cookies.append(e.getValue());
        continue;
      }
      out.add(name, e.getValue());
    }
    if (cookies != null) {
      out.set(HttpHeaderNames.COOKIE, cookies.toString());
    }
    if (!out.contains(HttpHeaderNames.HOST) && h.authority() != null) {
      out.set(HttpHeaderNames.HOST, h.authority());
    }
    if (endStream) {
      return new DefaultFullHttpRequest(
          HttpVersion.HTTP_1_1,
          method,
          target,
          Unpooled.EMPTY_BUFFER,
          out,
          EmptyHttpHeaders.INSTANCE);
    }
    if (!out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      out.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, target, out);
  }

  /**
   * The application's response headers (or trailers, with no {@code status}) as HTTP/2 fields:
   * names lowercased, HTTP/1.1's connection-specific fields and those its {@code Connection} field
   * names left out (RFC 9113 8.2.2). Not checked again: the HTTP/1.1 decoder validated every name
   * (a token, which lowercased is a valid HTTP/2 name) and every value (no control character).
   * Netty's {@code HttpConversionUtil.toHttp2Headers} does the same with a map of the nominated
   * names made for every response and a validating copy, which cost a proxy relaying tens of
   * thousands of answers a second more than the rest of the translation.
   */
  static Http2Headers http2Fields(HttpHeaders in, CharSequence status) {
    Http2Headers out = new DefaultHttp2Headers(false, in.size() + 2);
    if (status != null) {
      out.status(status);
    }
    List<String> nominated = nominated(in);
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      AsciiString name = AsciiString.of(e.getKey()).toLowerCase();
      if (!connectionSpecific(name) && (nominated == null || !nominates(nominated, name))) {
        out.add(name, e.getValue());
      }
    }
    return out;
  }

  /**
   * The fields a {@code Connection} field names beside {@code keep-alive} and {@code close}
   * (those two are options, not names of fields present); {@code null} for the usual none.
   */
  private static List<String> nominated(HttpHeaders in) {
    List<String> connection = in.getAll(HttpHeaderNames.CONNECTION);
    if (connection.isEmpty()) {
      return null;
    }
    List<String> names = null;
    for (String value : connection) {
      if (option(value)) {
        continue; // the usual "keep-alive", without splitting it
      }
      for (String token : value.split(",")) {
        String name = token.trim();
        if (!name.isEmpty() && !option(name)) {
          names = names == null ? new ArrayList<>() : names;
          names.add(name);
        }
      }
    }
    return names;
  }

  private static boolean option(String name) {
    return HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(name)
        || HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(name);
  }

  private static boolean nominates(List<String> nominated, AsciiString name) {
    for (String n : nominated) {
      if (name.contentEqualsIgnoreCase(n)) {
        return true;
      }
    }
    return false;
  }

  private static boolean connectionSpecific(CharSequence name) {
    for (AsciiString n : CONNECTION_SPECIFIC) {
      if (n.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** The request's trailers; a field HTTP/1.1 cannot carry is left out rather than sent. */
  private static LastHttpContent trailers(Http2Headers h) {
    LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      if (e.getKey().length() > 0 && e.getKey().charAt(0) != ':') {
        try {
          last.trailingHeaders().add(e.getKey(), e.getValue());
        } catch (IllegalArgumentException bad) {
          // Validated before it is stored: nothing of the field went in.
        }
      }
    }
    return last;
  }

  @Override
  public void flush() {
    if (app != null) {
      app.flush();
    }
  }

  @Override
  public boolean isWritable() {
    return app == null || app.isWritable();
  }

  @Override
  public void pauseResponse() {
    if (app != null) {
      app.config().setAutoRead(false);
    }
  }

  @Override
  public void resumeResponse() {
    if (app != null) {
      app.config().setAutoRead(true);
      app.read();
    }
  }

  @Override
  public void close() {
    closed = true;
    if (app != null) {
      handler.unlease();
      app.close();
      app = null;
    }
  }

  @Override
  public SocketAddress localAddress() {
    return app == null ? null : app.localAddress();
  }

  @Override
  public void onResponse(HttpResponse response) {
    int code = response.status().code();
    Http2Headers h = http2Fields(response.headers(), response.status().codeAsText());
    // 100 Continue and the like: no body follows, and the final response comes after.
    informational = code >= 100 && code < 200;
    if (!informational) {
      responseStarted = true;
      closeAfter = !HttpUtil.isKeepAlive(response);
    }
    exchange.responseHeaders(h, false);
  }

  @Override
  public void onResponseContent(HttpContent content) {
    if (informational) {
      informational = !(content instanceof LastHttpContent);
      content.release();
      return;
    }
    if (!(content instanceof LastHttpContent last)) {
      exchange.responseData(content.content(), false);
      return;
    }
    // Let go of the connection first: the exchange's end may close the stream, which would
    // otherwise close a connection that is fit for the next request.
    letGo();
    if (last.trailingHeaders().isEmpty()) {
      exchange.responseData(last.content(), true);
      return;
    }
    if (last.content().isReadable()) {
      exchange.responseData(last.content(), false);
    } else {
      last.release();
    }
    exchange.responseHeaders(http2Fields(last.trailingHeaders(), null), true);
  }

  /**
   * The response ended: the connection goes back to the pool when the request ended too and the
   * application keeps it alive; else it is closed (an application that answered before the whole
   * request arrived expects the rest of it, which is dropped).
   */
  private void letGo() {
    Channel ch = app;
    app = null;
    handler.unlease();
    if (requestEnded && !closeAfter && ch.isActive()) {
      ch.config().setAutoRead(true);
      pool.release(ch);
    } else {
      ch.close();
      if (!requestEnded) {
        // The client may still be sending, and reading may have paused for a full connection:
        // the rest of the request is read on, only to be dropped, or the client would wait for
        // a window it never gets.
        exchange.applicationWritable();
      }
    }
  }

  @Override
  public void flushDownstream() {
    exchange.flushDownstream();
  }

  @Override
  public void upstreamWritable() {
    exchange.applicationWritable();
  }

  @Override
  public void upstreamClosed() {
    app = null;
    if (retriable()) {
      // A pooled connection the application closed just as it was reused (its keep-alive
      // timeout): Envoy resends such an idempotent, bodiless request once, on a new connection.
      retried = true;
      dial();
      return;
    }
    exchange.applicationGone();
  }

  @Override
  public void upstreamProtocolError() {
    app = null;
    exchange.applicationProtocolError();
  }

  /** A bodiless request (a whole one) that no answer of the closed connection has begun. */
  private boolean retriable() {
    return !responseStarted
        && !informational
        && reused
        && !retried
        && !closed
        && request instanceof DefaultFullHttpRequest
        && Http1AppPool.resendable(request.method());
  }
}
