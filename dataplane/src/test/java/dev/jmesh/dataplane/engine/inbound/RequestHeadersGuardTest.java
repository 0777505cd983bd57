package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RequestHeadersGuardTest {

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  @Test
  void aHeaderLineStartingWithWhitespaceIsObsoleteFolding() {
    RequestHeadersGuard guard = new RequestHeadersGuard(Duration.ofSeconds(10));
    EmbeddedChannel ch = new EmbeddedChannel(guard);
    ch.writeInbound(ascii("GET / HTTP/1.1\r\nX-A: a\r\n"));
    ch.writeInbound(ascii("\tb\r\n\r\n"));
    assertThat(guard.obsFold()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void leadingEmptyLinesAndABodyAfterTheHeadAreNotFolding() {
    RequestHeadersGuard guard = new RequestHeadersGuard(Duration.ofSeconds(10));
    EmbeddedChannel ch = new EmbeddedChannel(guard);
    ch.writeInbound(ascii("\r\nPOST / HTTP/1.1\r\nContent-Length: 7\r\n\r\n\r\n body"));
    assertThat(guard.obsFold()).isFalse();
    guard.nextRequest();
    ch.writeInbound(ascii("GET / HTTP/1.1\r\n b: c\r\n\r\n"));
    assertThat(guard.obsFold()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void aSecondHostLineInAnyCaseAndAcrossReadsIsADuplicate() {
    RequestHeadersGuard guard = new RequestHeadersGuard(Duration.ofSeconds(10));
    EmbeddedChannel ch = new EmbeddedChannel(guard);
    ch.writeInbound(ascii("GET / HTTP/1.1\r\nHost: a\r\nX-Host: b\r\nHostile: c\r\nHo"));
    ch.writeInbound(ascii("st: a\r\n\r\n"));
    assertThat(guard.duplicateHost()).isTrue();
    guard.nextRequest();
    ch.writeInbound(ascii("GET / HTTP/1.1\r\nHOST: a\r\nhost: a\r\n\r\n"));
    assertThat(guard.duplicateHost()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void oneHostLineAndHeadersThatOnlyResembleOneAreNotDuplicates() {
    RequestHeadersGuard guard = new RequestHeadersGuard(Duration.ofSeconds(10));
    EmbeddedChannel ch = new EmbeddedChannel(guard);
    // The request line and the body are not header lines; X-Host and Hostname are other headers.
    ch.writeInbound(
        ascii(
            "POST /host: HTTP/1.1\r\nHost: a\r\nX-Host: b\r\nHostname: c\r\n"
                + "Content-Length: 9\r\n\r\nhost: x\r\n"));
    assertThat(guard.duplicateHost()).isFalse();
    // Each request counts its own: the last one's Host line is not carried over.
    guard.nextRequest();
    ch.writeInbound(ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    assertThat(guard.duplicateHost()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void theTimerStartsAtTheFirstByteAndStopsWhenTheHeadIsDecoded() {
    RequestHeadersGuard guard = new RequestHeadersGuard(Duration.ofMillis(100));
    AtomicInteger timeouts = new AtomicInteger();
    EmbeddedChannel ch = countingTimeouts(guard, timeouts);
    ch.advanceTimeBy(1, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(0); // an idle keep-alive connection is not timed out here

    ch.writeInbound(ascii("GET / HTTP/1.1\r\n"));
    guard.headDecoded();
    ch.advanceTimeBy(1, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(0);

    guard.nextRequest();
    ch.writeInbound(ascii("GET / HTTP/1.1\r\nHost: "));
    ch.advanceTimeBy(1, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(1);
    ch.finishAndReleaseAll();
  }

  @Test
  void aLaterHeadGetsItsFullTimeFromTheTimerArmedForAnEarlierOne() {
    RequestHeadersGuard guard = new RequestHeadersGuard(Duration.ofMillis(100));
    AtomicInteger timeouts = new AtomicInteger();
    EmbeddedChannel ch = countingTimeouts(guard, timeouts);
    ch.freezeTime();
    ch.writeInbound(ascii("GET / HTTP/1.1\r\n\r\n")); // at 0 ms: the timer is due at 100 ms
    guard.headDecoded();
    guard.nextRequest();

    ch.advanceTimeBy(90, TimeUnit.MILLISECONDS);
    ch.writeInbound(ascii("GET / HTTP/1.1\r\nHost: ")); // at 90 ms: this head is due at 190 ms
    ch.advanceTimeBy(20, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks(); // the timer fires at 110 ms and finds 80 ms left
    assertThat(timeouts).hasValue(0);

    ch.advanceTimeBy(79, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(0);
    ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(1);
    ch.finishAndReleaseAll();
  }

  /** The guard on an embedded channel whose next handler counts the guard's timeouts. */
  private static EmbeddedChannel countingTimeouts(
      RequestHeadersGuard guard, AtomicInteger timeouts) {
    return new EmbeddedChannel(
        guard,
        new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == RequestHeadersGuard.TIMEOUT) {
              timeouts.incrementAndGet();
            }
          }
        });
  }
}
