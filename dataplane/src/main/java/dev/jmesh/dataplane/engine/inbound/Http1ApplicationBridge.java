package dev.jmesh.dataplane.engine.inbound;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.Iterator;
import java.util.Map;

/**
 * One HTTP/2 stream carried to an application that speaks only HTTP/1.1 (its Istio port name says
 * {@code http}), on a connection of its own: the stream's frames the exchange writes become one
 * HTTP/1.1 request, and the response read back becomes frames again, so the exchange handles the
 * application as it would an HTTP/2 one. The connection closes when the response ends.
 */
final class Http1ApplicationBridge extends ChannelDuplexHandler {

  private boolean requestStarted;
  private boolean informational;

  // ---- the request: frames in, HTTP/1.1 out ----

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Http2Exception {
    if (msg instanceof Http2HeadersFrame frame) {
      if (!requestStarted) {
        requestStarted = true;
        ctx.write(request(frame), promise);
        if (frame.isEndStream()) {
          ctx.write(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
        }
      } else {
        // Trailers: the last chunk carries them.
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        HttpConversionUtil.addHttp2ToHttpHeaders(
            0, frame.headers(), last.trailingHeaders(), HttpVersion.HTTP_1_1, true, true);
        ctx.write(last, promise);
      }
    } else if (msg instanceof Http2DataFrame data) {
      HttpContent content =
          data.isEndStream()
              ? new DefaultLastHttpContent(data.content())
              : new DefaultHttpContent(data.content());
      ctx.write(content, promise);
    } else {
      ReferenceCountUtil.release(msg);
      promise.setSuccess();
    }
  }

  private static HttpRequest request(Http2HeadersFrame frame) throws Http2Exception {
    Http2Headers h = frame.headers();
    HttpRequest request = HttpConversionUtil.toHttpRequest(0, h, true);
    // Netty's conversion adds its own x-http2-* headers; the application gets the request only.
    for (HttpConversionUtil.ExtensionHeaderNames name :
        HttpConversionUtil.ExtensionHeaderNames.values()) {
      request.headers().remove(name.text());
    }
    if (frame.isEndStream()) {
      request.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    } else if (!request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      // A body of unknown length: HTTP/1.1 frames it in chunks.
      HttpUtil.setTransferEncodingChunked(request, true);
    }
    HttpUtil.setKeepAlive(request, false);
    return request;
  }

  // ---- the response: HTTP/1.1 in, frames out ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpResponse response) {
      informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
      Http2Headers h = HttpConversionUtil.toHttp2Headers(response, true);
      ctx.fireChannelRead(new DefaultHttp2HeadersFrame(h, false));
    }
    if (msg instanceof HttpContent content) {
      if (informational) {
        // The end of a 1xx is not the end of the stream: the real response follows.
        content.release();
        return;
      }
      boolean last = content instanceof LastHttpContent;
      Http2Headers trailers = last ? trailers(((LastHttpContent) content).trailingHeaders()) : null;
      ctx.fireChannelRead(new DefaultHttp2DataFrame(content.content(), last && trailers == null));
      if (trailers != null) {
        ctx.fireChannelRead(new DefaultHttp2HeadersFrame(trailers, true));
      }
      if (last) {
        ctx.close();
      }
    }
  }

  private static Http2Headers trailers(HttpHeaders headers) {
    if (headers.isEmpty()) {
      return null;
    }
    Http2Headers out = new DefaultHttp2Headers();
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      out.add(AsciiString.of(e.getKey()).toLowerCase(), e.getValue());
    }
    return out;
  }
}
