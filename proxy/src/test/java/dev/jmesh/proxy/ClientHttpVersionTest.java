package dev.jmesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 or h2c with prior knowledge, told from a client connection's first bytes. */
class ClientHttpVersionTest {

  private static EmbeddedChannel channel() {
    return new EmbeddedChannel(new ClientHttpVersion(streams -> new HttpProxyConnection(null, null, null, streams)));
  }

  private static String outbound(EmbeddedChannel ch) {
    StringBuilder out = new StringBuilder();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) o;
      out.append(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    return out.toString();
  }

  @Test
  void anHttp1RequestSplitAcrossReadsGetsTheHttpCodec() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Unpooled.copiedBuffer("GE", StandardCharsets.US_ASCII));
    assertThat(ch.pipeline().get(HttpServerCodec.class)).isNull();
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "T /reviews HTTP/1.1\r\nHost: reviews\r\n\r\n", StandardCharsets.US_ASCII));
    // The whole request reached the proxy connection, which answers an origin-form request.
    assertThat(outbound(ch)).startsWith("HTTP/1.1 400").contains("absolute-form");
  }

  @Test
  void thePrefaceGetsTheHttp2Codec() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(
        Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", StandardCharsets.US_ASCII));
    assertThat(ch.pipeline().get(Http2FrameCodec.class)).isNotNull();
    assertThat(ch.pipeline().get(HttpServerCodec.class)).isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void anH2StreamsRequestGoesOnWithoutTheCodecsHeadersAndChunkedWhenItsLengthIsUnknown() {
    io.netty.handler.codec.http.HttpRequest post =
        new io.netty.handler.codec.http.DefaultHttpRequest(
            io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
            io.netty.handler.codec.http.HttpMethod.POST,
            "/reviews");
    post.headers().set("x-http2-stream-id", "3").set("x-http2-scheme", "http").set("host", "r:1");
    HttpProxyConnection.asHttp1(post);
    assertThat(post.headers().names()).containsExactlyInAnyOrder("host", "transfer-encoding");
    io.netty.handler.codec.http.HttpRequest sized =
        new io.netty.handler.codec.http.DefaultHttpRequest(
            io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
            io.netty.handler.codec.http.HttpMethod.POST,
            "/reviews");
    sized.headers().set("content-length", "5");
    HttpProxyConnection.asHttp1(sized);
    assertThat(sized.headers().contains("transfer-encoding")).isFalse();
  }
}
