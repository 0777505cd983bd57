package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshHooks;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;

/**
 * The route's timeout for a whole request, retries included: a timer on the mesh's clock that
 * cancels the OkHttp call when it passes, as OkHttp's own call timeout does. Whichever comes first,
 * the response or the timer, wins; the loser sees it did.
 */
final class CallDeadline implements Runnable {

  private static final int RUNNING = 0;
  private static final int ANSWERED = 1;
  private static final int EXPIRED = 2;

  private final AtomicInteger state = new AtomicInteger(RUNNING);
  private final Call okCall;
  private final Future<?> timer;

  private CallDeadline(Call okCall, long nanos) {
    this.okCall = okCall;
    this.timer = MeshHooks.schedule(this, nanos);
  }

  /** A running deadline, or {@code null} when the route has no timeout. */
  static CallDeadline start(Call okCall, long nanos) {
    return nanos > 0 ? new CallDeadline(okCall, nanos) : null;
  }

  @Override
  public void run() {
    if (state.compareAndSet(RUNNING, EXPIRED)) {
      okCall.cancel();
    }
  }

  boolean expired() {
    return state.get() == EXPIRED;
  }

  /** The response arrived: stops the timer; {@code false} when the timeout passed first. */
  boolean answered() {
    timer.cancel(false);
    return state.compareAndSet(RUNNING, ANSWERED);
  }

  /** The request ended otherwise (failure, cancel): stops the timer. */
  void stop() {
    timer.cancel(false);
    state.compareAndSet(RUNNING, ANSWERED);
  }
}
