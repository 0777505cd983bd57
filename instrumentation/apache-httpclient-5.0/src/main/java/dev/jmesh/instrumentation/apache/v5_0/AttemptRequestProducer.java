package dev.jmesh.instrumentation.apache.v5_0;

import java.io.IOException;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * One asynchronous attempt's request: the re-targeted copy of the head, the application's producer
 * for the body. Apache releases the producer after each exchange, which rewinds a repeatable body
 * for the next attempt, as its own retries rely on.
 */
final class AttemptRequestProducer implements AsyncRequestProducer {

  private final HttpRequest head;
  private final EntityDetails entity;
  private final AsyncRequestProducer body;

  AttemptRequestProducer(HttpRequest head, EntityDetails entity, AsyncRequestProducer body) {
    this.head = head;
    this.entity = entity;
    this.body = body;
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
    return body.available();
  }

  @Override
  public void produce(DataStreamChannel channel) throws IOException {
    body.produce(channel);
  }

  @Override
  public void releaseResources() {
    body.releaseResources();
  }
}
