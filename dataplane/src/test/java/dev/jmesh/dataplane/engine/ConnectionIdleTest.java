package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The idle timeout on the embedded loop's clock, moved by hand. */
class ConnectionIdleTest {

  private static EmbeddedChannel channel(Duration timeout) {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.freezeTime();
    ch.pipeline().addLast(new ConnectionIdle(timeout));
    return ch;
  }

  private static void after(EmbeddedChannel ch, long seconds) {
    ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
  }

  @Test
  void aConnectionWithNoTrafficIsClosedOnceTheTimeoutIsUp() {
    EmbeddedChannel ch = channel(Duration.ofSeconds(10));
    after(ch, 9);
    assertThat(ch.isOpen()).isTrue();
    after(ch, 1);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void trafficEitherWayPushesTheCloseBackByAWholeTimeout() {
    EmbeddedChannel ch = channel(Duration.ofSeconds(10));
    after(ch, 6);
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1})); // read at 6 s
    after(ch, 6); // the check at 10 s finds 4 s of quiet and waits for the 6 s left
    assertThat(ch.isOpen()).isTrue();
    after(ch, 3);
    ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {2})); // flushed at 15 s
    after(ch, 9); // 24 s: 9 s since the write
    assertThat(ch.isOpen()).isTrue();
    after(ch, 1); // 25 s: 10 s since the write
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aZeroTimeoutNeverCloses() {
    EmbeddedChannel ch = channel(Duration.ZERO);
    after(ch, 100_000);
    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }
}
