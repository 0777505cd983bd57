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
    return new EmbeddedChannel(
        new ClientHttpVersion(streams -> new HttpProxyConnection(null, null, streams)));
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
}
