package dev.jmesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
    ch.freezeTime();
    IdleConnections.install(ch.pipeline(), Duration.ofHours(1));
    ch.advanceTimeBy(59, TimeUnit.MINUTES);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(1, TimeUnit.MINUTES);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aConnectionHandedToTheEngineLosesTheListenersIdleCheck() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.freezeTime();
    IdleConnections.install(ch.pipeline(), Duration.ofHours(1));
    IdleConnections.uninstall(ch.pipeline());
    ch.advanceTimeBy(2, TimeUnit.HOURS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }
}
