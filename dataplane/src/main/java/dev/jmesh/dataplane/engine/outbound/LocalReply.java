package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.outbound.EnvoyReplies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * A response the engine makes itself (fault abort, no route, upstream failure), as Envoy words
 * them. A gRPC request gets a trailers-only answer (HTTP 200 with {@code grpc-status}), the status
 * mapped from HTTP as gRPC's spec maps it.
 */
final class LocalReply {

  static final String NO_ROUTE = EnvoyReplies.NO_ROUTE;
  static final String FAULT = EnvoyReplies.FAULT;
  static final String NO_HEALTHY = EnvoyReplies.NO_HEALTHY;
  static final String OVERFLOW = EnvoyReplies.OVERFLOW;
  static final String CONNECT_FAILURE = EnvoyReplies.CONNECT_FAILURE;
  static final String RESET = EnvoyReplies.RESET;
  static final String TIMEOUT = EnvoyReplies.TIMEOUT;

  private LocalReply() {}

  /**
   * The response; {@code grpcStatus} (-1: derived from {@code status}) applies to gRPC requests.
   */
  static FullHttpResponse http(
      ByteBufAllocator alloc, int status, String body, boolean grpc, int grpcStatus) {
    if (grpc) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, alloc.buffer(0, 0));
      r.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
          .set("grpc-status", grpcStatus >= 0 ? grpcStatus : grpcStatusOf(status))
          .set(HttpHeaderNames.CONTENT_LENGTH, 0);
      if (!body.isEmpty()) {
        r.headers().set("grpc-message", body);
      }
      return r;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ByteBuf content = alloc.buffer(bytes.length, bytes.length).writeBytes(bytes);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (bytes.length > 0) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    }
    return r;
  }

  /** gRPC's HTTP-to-gRPC status mapping. */
  static int grpcStatusOf(int http) {
    switch (http) {
      case 400:
        return 13; // INTERNAL
      case 401:
        return 16; // UNAUTHENTICATED
      case 403:
        return 7; // PERMISSION_DENIED
      case 404:
        return 12; // UNIMPLEMENTED
      case 429:
      case 502:
      case 503:
      case 504:
        return 14; // UNAVAILABLE
      default:
        return 2; // UNKNOWN
    }
  }
}
