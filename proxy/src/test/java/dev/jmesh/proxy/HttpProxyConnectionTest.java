package dev.jmesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the HTTP proxy answers before any destination is involved. */
class HttpProxyConnectionTest {

  private static String answer(String request) {
    EmbeddedChannel ch =
        new EmbeddedChannel(new HttpServerCodec(), new HttpProxyConnection(null, null));
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    StringBuilder out = new StringBuilder();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) o;
      out.append(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    assertThat(ch.isOpen()).as("closed after the answer").isFalse();
    return out.toString();
  }

  @Test
  void anOriginFormRequestIsToldToUseTheAbsoluteForm() {
    assertThat(answer("GET /reviews HTTP/1.1\r\nHost: reviews\r\n\r\n"))
        .startsWith("HTTP/1.1 400")
        .contains("send absolute-form requests");
  }

  @Test
  void anHttpsAbsoluteUrlIsRefusedWithTheWayToSendIt() {
    assertThat(answer("GET https://reviews:9080/ HTTP/1.1\r\nHost: reviews\r\n\r\n"))
        .startsWith("HTTP/1.1 400")
        .contains("CONNECT host:port");
  }

  @Test
  void connectWithoutAPortIsABadRequest() {
    assertThat(answer("CONNECT reviews HTTP/1.1\r\nHost: reviews\r\n\r\n"))
        .startsWith("HTTP/1.1 400")
        .contains("CONNECT needs host:port");
  }

  @Test
  void anIdleConnectionIsClosed() {
    EmbeddedChannel ch = new EmbeddedChannel();
    IdleConnections.install(ch.pipeline(), Duration.ofHours(1));
    ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    assertThat(ch.isOpen()).isFalse();
  }
}
