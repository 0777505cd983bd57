package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.MeshCall;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The application's {@link BodyHandler} for one attempt: the response's status is known here,
 * before any of its body is read, which is when the data path decides on a retry. A response being
 * retried is drained and thrown away (its connection goes back to the pool); any other goes to the
 * application's handler untouched.
 */
final class AttemptHandler<T> implements BodyHandler<T> {

  private final BodyHandler<T> application;
  private final MeshCall call;

  /** Set once the request has ended otherwise (timed out, cancelled): the call is finished. */
  private final AtomicBoolean requestOver;

  private volatile int status;
  private volatile boolean retrying;

  AttemptHandler(BodyHandler<T> application, MeshCall call, AtomicBoolean requestOver) {
    this.application = application;
    this.call = call;
    this.requestOver = requestOver;
  }

  @Override
  public BodySubscriber<T> apply(ResponseInfo info) {
    status = info.statusCode();
    if (requestOver.get()) {
      // A late response to a request the application no longer waits for.
      return BodySubscribers.replacing(null);
    }
    if (call.attemptEnded(info.statusCode(), -1, MeshCall.NO_FAILURE)) {
      retrying = true;
      return BodySubscribers.replacing(null);
    }
    return application.apply(info);
  }

  /** The response's status, 0 while none arrived. */
  int status() {
    return status;
  }

  /** Whether the data path granted a retry on the response. */
  boolean retrying() {
    return retrying;
  }
}
