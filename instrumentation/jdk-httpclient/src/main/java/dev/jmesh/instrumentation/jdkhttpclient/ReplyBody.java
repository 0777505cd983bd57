package dev.jmesh.instrumentation.jdkhttpclient;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/** The body of a local reply, fed to the application's {@link BodySubscriber} in one piece. */
final class ReplyBody implements Flow.Subscription {

  private final BodySubscriber<?> subscriber;
  private final byte[] body;
  private final AtomicBoolean done = new AtomicBoolean();

  private ReplyBody(BodySubscriber<?> subscriber, byte[] body) {
    this.subscriber = subscriber;
    this.body = body;
  }

  static void feed(BodySubscriber<?> subscriber, byte[] body) {
    subscriber.onSubscribe(new ReplyBody(subscriber, body));
  }

  @Override
  public void request(long n) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    if (n <= 0) {
      subscriber.onError(new IllegalArgumentException("non-positive request: " + n));
      return;
    }
    if (body.length > 0) {
      subscriber.onNext(List.of(ByteBuffer.wrap(body).asReadOnlyBuffer()));
    }
    subscriber.onComplete();
  }

  @Override
  public void cancel() {
    done.set(true);
  }
}
