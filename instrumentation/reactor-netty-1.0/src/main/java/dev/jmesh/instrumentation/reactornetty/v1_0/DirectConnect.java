package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.timeout.ReadTimeoutException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientConfig;
import reactor.netty.http.client.HttpClientResponse;
import reactor.util.context.Context;

/**
 * One subscription of a Reactor Netty request on the direct path. The application's subscriber gets
 * this call as its subscription at once; the attempts are subscriptions of the request's own {@code
 * Mono}, each re-targeted to the endpoint of its turn ({@link Attempts#remote}), and the first
 * response the mesh does not retry is handed on, as the {@code Mono} would have. Every wait (fault
 * delay, back-off, per-try and route timeouts) is a task on {@link MeshHooks#schedule} that goes on
 * on one of the client's event loops; no event loop ever waits. A timeout fails the subscriber with
 * Netty's shared {@link ReadTimeoutException#INSTANCE}, exactly what Reactor Netty's own {@code
 * responseTimeout} signals ({@code WebClient} wraps it in a {@code WebClientRequestException}).
 * Netty's constructor with a message cannot be used: it asserts that the exception is a shared one.
 */
public final class DirectConnect implements Subscription {

  static final String LIBRARY = "reactor-netty";

  private final Mono<Connection> mono;
  private final HttpClientConfig config;
  private final MeshCall call;
  private final CoreSubscriber<? super Connection> actual;
  private final ReactorRequest request;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Attempt current;
  private volatile Future<?> timer;

  private DirectConnect(
      Mono<Connection> mono,
      HttpClientConfig config,
      MeshCall call,
      CoreSubscriber<? super Connection> actual,
      ReactorRequest request) {
    this.mono = mono;
    this.config = config;
    this.call = call;
    this.actual = actual;
    this.request = request;
  }

  /**
   * {@code MonoHttpConnect.subscribe} entry: whether the direct path took the subscription (the
   * original then does nothing), or {@code false} for Reactor Netty to go on as written.
   */
  public static boolean subscribe(
      Mono<Connection> mono, HttpClientConfig config, CoreSubscriber<? super Connection> actual) {
    if (actual == null || Attempts.ownSubscription() || !MeshHooks.isInstalled()) {
      return false;
    }
    ReactorRequest request = ReactorRequest.of(config, PendingHeaders.of(mono));
    if (request == null) {
      return false;
    }
    int capabilities = MeshCall.CAN_TLS | MeshCall.CAN_RETRY | MeshCall.CAN_DELAY;
    if (!request.replayable()) {
      capabilities |= MeshCall.ONE_SHOT_BODY;
    }
    MeshCall call = MeshHooks.outbound(LIBRARY, capabilities, request);
    if (call == null) {
      return false;
    }
    if (call.action() != MeshCall.SEND) {
      // Not asked for (no CAN_REPLY); should a reply come anyway, the engine answers it.
      call.finish(0, -1, 0, 0);
      return false;
    }
    new DirectConnect(mono, config, call, actual, request).start();
    return true;
  }

  private void start() {
    actual.onSubscribe(this);
    long timeout = call.timeoutNanos();
    if (timeout > 0) {
      timer = later(this::timeoutPassed, timeout);
    }
    after(call.delayNanos(), this::send);
  }

  private void after(long nanos, Runnable step) {
    if (nanos > 0) {
      later(step, nanos);
    } else {
      step.run();
    }
  }

  /**
   * Runs {@code step} after {@code nanos}: the mesh's timer only hands it to one of the client's
   * event loops, where resubscribing and signalling the application belong.
   */
  Future<?> later(Runnable step, long nanos) {
    return MeshHooks.schedule(() -> onEventLoop(step), nanos);
  }

  private void onEventLoop(Runnable step) {
    Executor loop;
    try {
      loop = config.loopResources().onClient(config.isPreferNative()).next();
    } catch (RuntimeException e) {
      step.run();
      return;
    }
    try {
      loop.execute(step);
    } catch (RuntimeException e) {
      // The client's loops are shutting down: the call still ends, here.
      step.run();
    }
  }

  /** One attempt to the current endpoint. */
  private void send() {
    if (ended.get()) {
      return;
    }
    Attempt attempt = new Attempt(this, call.endpoint());
    current = attempt;
    long perTry = call.perTryTimeoutNanos();
    if (perTry > 0) {
      attempt.timer = later(attempt::perTryExpired, perTry);
    }
    if (ended.get()) {
      attempt.abandon();
      return;
    }
    try {
      Attempts.subscribe(mono, attempt);
    } catch (RuntimeException e) {
      if (attempt.abandon()) {
        failed(attempt, e);
      }
    }
  }

  Context context() {
    return actual.currentContext();
  }

  boolean addresses(String host, int port) {
    return port == request.port() && host.equalsIgnoreCase(request.host());
  }

  void requestHeaders(HttpHeaders headers) {
    call.requestHeaders(new NettyHeaders(headers));
  }

  /** The attempt's response head is in. */
  void responded(Attempt attempt, Connection connection) {
    int status =
        connection instanceof HttpClientResponse
            ? ((HttpClientResponse) connection).status().code()
            : 0;
    if (!ended.get() && call.attemptEnded(status, -1, MeshCall.NO_FAILURE)) {
      // Discarded: closing is the one way to drop a response whose body nobody reads.
      connection.dispose();
      after(call.backOffNanos(), this::send);
      return;
    }
    if (!end()) {
      connection.dispose();
      return;
    }
    if (connection instanceof HttpClientResponse) {
      call.responseHeaders(new NettyHeaders(((HttpClientResponse) connection).responseHeaders()));
    }
    call.finish(status, -1, 0, 0);
    actual.onNext(connection);
    actual.onComplete();
  }

  /** The attempt failed before its response head: connect failure, reset, Reactor's timeout. */
  void failed(Attempt attempt, Throwable failure) {
    if (ended.get()) {
      return;
    }
    int kind = AttemptFailures.of(failure);
    if (call.attemptEnded(0, -1, kind)) {
      after(call.backOffNanos(), this::send);
      return;
    }
    fail(failure, AttemptFailures.finalStatus(kind));
  }

  void perTryExpired(Attempt attempt) {
    if (ended.get()) {
      return;
    }
    if (call.attemptEnded(0, -1, MeshCall.TIMEOUT)) {
      after(call.backOffNanos(), this::send);
      return;
    }
    fail(ReadTimeoutException.INSTANCE, 504);
  }

  private void fail(Throwable failure, int status) {
    if (end()) {
      call.finish(status, -1, 0, 0);
      actual.onError(failure);
    }
  }

  /** The timer's task: ends the call and its attempt in flight; no I/O of its own. */
  private void timeoutPassed() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    call.timedOut();
    call.finish(504, -1, 0, 0);
    abandonCurrent();
    actual.onError(ReadTimeoutException.INSTANCE);
  }

  @Override
  public void request(long n) {
    // One connection at most, delivered when it is there.
  }

  @Override
  public void cancel() {
    if (end()) {
      call.cancelled();
      call.finish(0, -1, 0, 0);
      abandonCurrent();
    }
  }

  private void abandonCurrent() {
    Attempt attempt = current;
    if (attempt != null) {
      attempt.abandon();
    }
  }

  private boolean end() {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
    return true;
  }
}
