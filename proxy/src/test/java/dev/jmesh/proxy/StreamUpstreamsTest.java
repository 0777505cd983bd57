package dev.jmesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The upstream connections the streams of one h2c client connection take turns on. */
class StreamUpstreamsTest {

  @Test
  void aConnectionLeftByOneStreamIsTheNextStreamsToTheSameDestination() {
    StreamUpstreams streams = new StreamUpstreams();
    EmbeddedChannel reviews = new EmbeddedChannel();

    assertThat(streams.poll("reviews:9080")).isNull();
    streams.release("reviews:9080", reviews);

    assertThat(streams.poll("ratings:9080")).isNull();
    assertThat(streams.poll("reviews:9080")).isSameAs(reviews);
    // Taken: a second stream at the same time gets none and opens its own.
    assertThat(streams.poll("reviews:9080")).isNull();
  }

  @Test
  void aConnectionThatClosedWhileIdleIsSkipped() {
    StreamUpstreams streams = new StreamUpstreams();
    EmbeddedChannel first = new EmbeddedChannel();
    EmbeddedChannel second = new EmbeddedChannel();
    streams.release("reviews:9080", first);
    streams.release("reviews:9080", second);

    second.close();

    assertThat(streams.poll("reviews:9080")).isSameAs(first);
    assertThat(streams.idleCount("reviews:9080")).isZero();
  }

  @Test
  void theClientsEndClosesTheIdleConnectionsAndAnyLeftLater() {
    StreamUpstreams streams = new StreamUpstreams();
    EmbeddedChannel idle = new EmbeddedChannel();
    streams.release("reviews:9080", idle);

    streams.close();
    assertThat(idle.isOpen()).isFalse();

    // A stream still finishing when its connection went: its upstream connection is not kept.
    EmbeddedChannel late = new EmbeddedChannel();
    streams.release("reviews:9080", late);
    assertThat(late.isOpen()).isFalse();
    assertThat(streams.poll("reviews:9080")).isNull();
  }

  @Test
  void atMostMaxIdleAreKept() {
    StreamUpstreams streams = new StreamUpstreams();
    for (int i = 0; i < StreamUpstreams.MAX_IDLE; i++) {
      streams.release("reviews:9080", new EmbeddedChannel());
    }
    EmbeddedChannel extra = new EmbeddedChannel();
    streams.release("reviews:9080", extra);

    assertThat(extra.isOpen()).isFalse();
    assertThat(streams.idleCount("reviews:9080")).isEqualTo(StreamUpstreams.MAX_IDLE);
  }
}
