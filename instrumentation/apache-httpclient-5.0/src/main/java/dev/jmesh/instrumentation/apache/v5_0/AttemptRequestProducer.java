package dev.jmesh.instrumentation.apache.v5_0;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * One asynchronous attempt's request: the re-targeted copy of the head, the application's producer
 * for the body. Releasing the application's producer rewinds a repeatable body for the next
 * attempt, as Apache's own retries rely on. Apache releases it when an exchange ends; but a
 * cancelled attempt it tears down on its reactor, under load after the next attempt has started
 * sending the body, and a rewind then would send that body twice. So when the call moves on to the
 * next attempt, {@link #retire()} rewinds the body itself, and from then on the attempt produces
 * nothing and Apache's release of it no longer reaches the application's producer. (Until then
 * Apache's releases go through, and it may ask an attempt it released for more of the body, as when
 * the response came first.)
 */
final class AttemptRequestProducer implements AsyncRequestProducer {

  private final HttpRequest head;
  private final EntityDetails entity;
  private final AsyncRequestProducer body;
  private final AtomicBoolean retired = new AtomicBoolean();

  AttemptRequestProducer(HttpRequest head, EntityDetails entity, AsyncRequestProducer body) {
    this.head = head;
    this.entity = entity;
    this.body = body;
  }

  /**
   * The call has moved on from this attempt: rewinds the application's producer for the next one,
   * after the last of this attempt's body; Apache's release of this attempt is ignored from now on.
   */
  void retire() {
    if (!retired.getAndSet(true)) {
      body.releaseResources();
    }
  }

  @Override
  public void sendRequest(RequestChannel channel, HttpContext context)
      throws HttpException, IOException {
    channel.sendRequest(head, entity, context);
  }

  @Override
  public boolean isRepeatable() {
    return body.isRepeatable();
  }

  @Override
  public void failed(Exception cause) {
    // The call decides whether the application's producer hears of it (only at the very end).
  }

  @Override
  public int available() {
    return retired.get() ? 0 : body.available();
  }

  @Override
  public void produce(DataStreamChannel channel) throws IOException {
    if (!retired.get()) {
      body.produce(channel);
    }
  }

  @Override
  public void releaseResources() {
    if (!retired.get()) {
      body.releaseResources();
    }
  }
}
