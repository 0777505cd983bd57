package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshCall;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * One asynchronous attempt's response: its status goes to the data path as soon as the head
 * arrives, before the application's consumer sees anything. A response the mesh retries is drained
 * here and never reaches the application; the one it keeps goes to the application's consumer.
 *
 * <p>Every attempt wraps the same application consumer, and Apache tears a cancelled or failed
 * attempt down on its reactor, which under load can be after the next attempt has started feeding
 * that consumer. So only the attempt that kept the head passes on {@code failed} and {@code
 * releaseResources}; when the call ends with no head kept, {@link AsyncDirectCall} tells the
 * application's consumer itself, after {@link #abandon()} has closed this attempt to a late head.
 */
final class AttemptResponseConsumer<T> implements AsyncResponseConsumer<T> {

  private static final int OPEN = 0;
  private static final int KEPT = 1;
  private static final int ABANDONED = 2;

  private final AsyncResponseConsumer<T> application;
  private final MeshCall call;

  /** Whether the application's consumer has this attempt's response: {@link #OPEN} until decided. */
  private final AtomicInteger head = new AtomicInteger(OPEN);

  private volatile boolean discarding;
  private volatile int status;
  private volatile long received;
  private FutureCallback<T> discarded;

  AttemptResponseConsumer(AsyncResponseConsumer<T> application, MeshCall call) {
    this.application = application;
    this.call = call;
  }

  /** The response was retried: its exchange completes with nothing for the application. */
  boolean discarded() {
    return discarding;
  }

  /** The application's consumer has the response (no retry can follow). */
  boolean headKept() {
    return head.get() == KEPT;
  }

  /**
   * Closes this attempt to a head that has not yet arrived, because the call ended without it.
   * Returns false if the head was kept first: the application's consumer is then this attempt's, and
   * Apache tells and releases it.
   */
  boolean abandon() {
    return head.compareAndSet(OPEN, ABANDONED) || head.get() == ABANDONED;
  }

  int status() {
    return status;
  }

  long received() {
    return received;
  }

  @Override
  public void consumeResponse(
      HttpResponse response, EntityDetails entity, HttpContext context, FutureCallback<T> result)
      throws HttpException, IOException {
    int code = response.getCode();
    if (head.get() == ABANDONED
        || call.attemptEnded(code, -1, MeshCall.NO_FAILURE)
        || !head.compareAndSet(OPEN, KEPT)) {
      discard(entity, result);
      return;
    }
    status = code;
    received = entity == null ? 0 : Math.max(0, entity.getContentLength());
    call.responseHeaders(new ApacheHeaders(response));
    application.consumeResponse(response, entity, context, result);
  }

  /** Drains the response: it was retried, or the call ended before it came. */
  private void discard(EntityDetails entity, FutureCallback<T> result) {
    discarding = true;
    discarded = result;
    if (entity == null) {
      result.completed(null);
    }
  }

  @Override
  public void informationResponse(HttpResponse response, HttpContext context)
      throws HttpException, IOException {
    application.informationResponse(response, context);
  }

  @Override
  public void updateCapacity(CapacityChannel channel) throws IOException {
    if (discarding) {
      channel.update(Integer.MAX_VALUE);
    } else {
      application.updateCapacity(channel);
    }
  }

  @Override
  public void consume(ByteBuffer data) throws IOException {
    if (discarding) {
      data.position(data.limit());
    } else {
      application.consume(data);
    }
  }

  @Override
  public void streamEnd(List<? extends Header> trailers) throws HttpException, IOException {
    if (discarding) {
      discarded.completed(null);
    } else {
      application.streamEnd(trailers);
    }
  }

  @Override
  public void failed(Exception cause) {
    // Before the head was kept the call may still retry: it tells the application at the end.
    if (headKept()) {
      application.failed(cause);
    }
  }

  @Override
  public void releaseResources() {
    if (headKept()) {
      application.releaseResources();
    }
  }
}
