package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.engine.MeshHeaderNames;
import dev.jmesh.dataplane.outbound.Exchange;
import dev.jmesh.dataplane.route.HashPolicy;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;

/** How an upstream response head is shaped before the application sees it. */
final class ResponseHeads {

  private static final AsciiString HTTP2_STREAM_ID = AsciiString.cached("x-http2-stream-id");

  private ResponseHeads() {}

  /**
   * The mesh's part: the callee's peer metadata is the engine's, not the application's; the route's
   * response header changes; Envoy's generated hash cookie, so the application's next requests
   * stick to the host.
   */
  static void forApplication(HttpResponse r, Exchange x) {
    HttpHeaders h = r.headers();
    h.remove(MeshHeaderNames.PEER_METADATA)
        .remove(MeshHeaderNames.PEER_METADATA_ID)
        .remove(HTTP2_STREAM_ID);
    HeaderEdits.apply(x.responseHeaders(), h);
    HashPolicy cookie = x.hash().generatedCookie();
    if (cookie != null) {
      h.add(HttpHeaderNames.SET_COOKIE, cookie.setCookieHeader(x.hash().generatedCookieValue()));
    }
  }

  /**
   * For an HTTP/1.1 application: its own connection's keep-alive, and chunking for a response the
   * upstream delimits by closing, so the application's connection stays reusable.
   */
  static void forHttp1(HttpResponse r, boolean keepAlive, HttpMethod method) {
    HttpHeaders h = r.headers();
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove(HttpHeaderNames.CONNECTION);
    if (!keepAlive) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    int code = r.status().code();
    if (!(r instanceof FullHttpResponse)
        && !HttpUtil.isContentLengthSet(r)
        && !HttpUtil.isTransferEncodingChunked(r)
        && code != 204
        && code != 304
        && !HttpMethod.HEAD.equals(method)) {
      HttpUtil.setTransferEncodingChunked(r, true);
    }
  }

  /** A {@code grpc-status} value, -1 when absent or not a number. */
  static int grpcStatus(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
