package dev.jmesh.dataplane.engine;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * An HTTP/2 stream's request, as Netty's stream codec hands it over, sent on over HTTP/1.1 (an h2c
 * client of a service whose cluster speaks HTTP/1.1, Envoy's default). The codec adds headers of its
 * own ({@code x-http2-stream-id}, {@code x-http2-scheme}) that are no one's but the codec's, and
 * HTTP/2 frames a body itself where HTTP/1.1 needs a length or chunks.
 */
public final class Http2StreamRequests {

  /** The codec's header names, made once: {@code values()} copies its array on every call. */
  private static final HttpConversionUtil.ExtensionHeaderNames[] CODEC_HEADERS =
      HttpConversionUtil.ExtensionHeaderNames.values();

  private Http2StreamRequests() {}

  /**
   * Makes {@code head} an HTTP/1.1 request head: the codec's headers removed and, when a body of
   * unknown length follows ({@code bodyFollows}: the stream did not end with its headers), chunked.
   * Doing it twice changes nothing, so each attempt of a retried request may call it.
   */
  public static void asHttp1(HttpRequest head, boolean bodyFollows) {
    for (HttpConversionUtil.ExtensionHeaderNames name : CODEC_HEADERS) {
      head.headers().remove(name.text());
    }
    if (bodyFollows && !HttpUtil.isContentLengthSet(head)) {
      HttpUtil.setTransferEncodingChunked(head, true);
    }
  }
}
