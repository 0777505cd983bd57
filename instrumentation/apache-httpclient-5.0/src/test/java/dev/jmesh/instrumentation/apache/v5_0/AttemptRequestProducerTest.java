package dev.jmesh.instrumentation.apache.v5_0;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.junit.jupiter.api.Test;

/**
 * The attempts of one call share the application's request producer, which a release rewinds.
 * Apache releases a cancelled attempt's producer on its reactor, under load after the next attempt
 * has started sending: these tests play that order out by hand.
 */
class AttemptRequestProducerTest {

  private static final String BODY = "hello world";

  private final HttpRequest head = new BasicHttpRequest("POST", "/upload");
  private final CountingEntity entity = new CountingEntity();
  private final AsyncRequestProducer application = new BasicRequestProducer(head, entity);

  @Test
  void aCancelledAttemptsLateReleaseDoesNotRewindTheBodyUnderTheNextAttempt() throws Exception {
    AttemptRequestProducer cancelled = new AttemptRequestProducer(head, entity, application);
    Channel first = new Channel(5);
    cancelled.produce(first);
    assertThat(first.sent).hasToString("hello");

    // The per-try timer cancelled it; the call moves on (AsyncDirectCall.send) before Apache
    // tears it down.
    cancelled.retire();
    AttemptRequestProducer next = new AttemptRequestProducer(head, entity, application);
    Channel second = new Channel(5);
    next.produce(second);
    cancelled.releaseResources(); // Apache's late teardown
    cancelled.produce(first); // and a late call for more: nothing
    while (!second.ended) {
      next.produce(second);
    }
    next.releaseResources();

    assertThat(second.sent).hasToString(BODY);
    assertThat(first.sent).hasToString("hello");
    assertThat(cancelled.available()).isZero();
    assertThat(entity.releases).as("one rewind per attempt").isEqualTo(2);
  }

  @Test
  void theNextAttemptSendsTheWholeBodyWhateverApacheReleasedBefore() throws Exception {
    AttemptRequestProducer answered = new AttemptRequestProducer(head, entity, application);
    Channel first = new Channel(64);
    answered.produce(first);
    // A 503 the call retries: Apache releases at the response, may still ask for the body (it is
    // sent again from the start), and releases again once the call has moved on.
    answered.releaseResources();
    answered.produce(first);
    answered.retire();
    answered.releaseResources();
    AttemptRequestProducer next = new AttemptRequestProducer(head, entity, application);
    Channel second = new Channel(64);
    next.produce(second);

    assertThat(first.sent).hasToString(BODY + BODY);
    assertThat(second.sent).hasToString(BODY);
    assertThat(entity.releases).as("Apache's first release and the retirement").isEqualTo(2);
  }

  /** A channel that takes at most {@code perWrite} bytes each time it is written to. */
  private static final class Channel implements DataStreamChannel {

    final StringBuilder sent = new StringBuilder();
    private final int perWrite;
    boolean ended;

    Channel(int perWrite) {
      this.perWrite = perWrite;
    }

    @Override
    public void requestOutput() {}

    @Override
    public int write(ByteBuffer src) {
      int n = Math.min(perWrite, src.remaining());
      byte[] bytes = new byte[n];
      src.get(bytes);
      sent.append(new String(bytes, StandardCharsets.US_ASCII));
      return n;
    }

    @Override
    public void endStream() {
      ended = true;
    }

    @Override
    public void endStream(List<? extends Header> trailers) {
      ended = true;
    }
  }

  /** The application's body, counting the releases (rewinds) that reach it. */
  private static final class CountingEntity extends BasicAsyncEntityProducer {

    int releases;

    CountingEntity() {
      super(BODY, ContentType.TEXT_PLAIN);
    }

    @Override
    public void releaseResources() {
      releases++;
      super.releaseResources();
    }
  }
}
