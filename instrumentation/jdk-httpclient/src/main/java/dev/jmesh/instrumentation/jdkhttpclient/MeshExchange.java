package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One application request on the direct path, from the mesh's answer to {@code sendAsync} to its
 * end: the fault delay, then a local reply or attempts through the client (each a copy of the
 * request, re-targeted to the attempt's endpoint), retries after their back-off, the per-try and
 * overall timeouts. Every wait is on the mesh's timer and every completion on the call's executor,
 * so no application, selector or timer thread is ever held.
 *
 * <p>Whatever ends the request first (the last attempt, the overall timeout, the application's
 * cancel, the application's own request timeout) ends it alone: {@link MeshCall#finish} runs
 * exactly once.
 */
final class MeshExchange<T> {

  /** A request timeout of the application's that fires within this of its deadline is its own. */
  private static final long DEADLINE_SLACK_NANOS = 2_000_000;

  private final MeshHttpClient mesh;
  private final HttpClient client;
  private final HttpRequest request;
  private final BodyHandler<T> handler;
  private final MeshCall call;
  private final Executor executor;

  /** The executor the application's call gave ({@code null} for {@code send}). */
  private final Executor applicationExecutor;
  private final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
  private final AtomicBoolean over = new AtomicBoolean();

  /** The application's own request timeout as a deadline on {@link System#nanoTime()}; 0: none. */
  private final long appDeadline;

  private final long bytesSent;

  private volatile CompletableFuture<?> inFlight;
  private volatile Future<?> timer;

  MeshExchange(
      MeshHttpClient mesh,
      HttpClient client,
      HttpRequest request,
      BodyHandler<T> handler,
      MeshCall call,
      Executor executor,
      Executor applicationExecutor) {
    this.mesh = mesh;
    this.applicationExecutor = applicationExecutor;
    this.client = client;
    this.request = request;
    this.handler = handler;
    this.call = call;
    this.executor = executor;
    Optional<Duration> own = request.timeout();
    this.appDeadline = own.isPresent() ? System.nanoTime() + own.get().toNanos() : 0L;
    this.bytesSent = ReplayableBodies.length(request);
  }

  CompletableFuture<HttpResponse<T>> start() {
    result.whenComplete(
        (r, t) -> {
          if (result.isCancelled()) {
            cancelledByApplication();
          }
        });
    long delay = call.delayNanos();
    if (delay > 0) {
      MeshHooks.schedule(() -> executor.execute(this::begin), delay);
    } else {
      begin();
    }
    return result;
  }

  private void begin() {
    if (over.get()) {
      return;
    }
    if (call.action() == MeshCall.REPLY) {
      reply();
      return;
    }
    long timeout = call.timeoutNanos();
    if (timeout > 0) {
      timer = MeshHooks.schedule(this::timedOut, timeout);
    }
    attempt();
  }

  private void attempt() {
    if (over.get()) {
      return;
    }
    Attempt attempt = new Attempt(call.endpoint(), call.tls(), applicationExecutor);
    AttemptHandler<T> attemptHandler = new AttemptHandler<>(handler, call, over);
    CompletableFuture<HttpResponse<T>> sent;
    try {
      HttpRequest copy = copyFor(attempt);
      if (copy == null) {
        applicationTimedOut(new HttpTimeoutException("request timed out"));
        return;
      }
      sent = client.sendAsync(copy, attemptHandler);
    } catch (RuntimeException e) {
      mesh.ended(attempt);
      fail(e, 0);
      return;
    }
    inFlight = sent;
    sent.whenComplete(
        (response, failure) -> {
          mesh.ended(attempt);
          attemptDone(attemptHandler, response, failure);
        });
    if (over.get()) {
      sent.cancel(true);
    }
  }

  /**
   * The attempt's request: the application's, with the route's header changes and the attempt's
   * timeout; the URI (and so the {@code Host} the client writes) stays the application's. Null when
   * the application's own timeout has passed.
   */
  private HttpRequest copyFor(Attempt attempt) {
    HeaderEdits headers = new HeaderEdits(request.headers());
    call.requestHeaders(headers);
    long timeout = call.perTryTimeoutNanos();
    if (appDeadline != 0) {
      long left = appDeadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      timeout = timeout > 0 ? Math.min(timeout, left) : left;
    }
    return new AttemptRequest(request, headers, timeout, attempt);
  }

  private void attemptDone(AttemptHandler<T> attempt, HttpResponse<T> response, Throwable failure) {
    if (over.get()) {
      return;
    }
    if (attempt.retrying()) {
      retryLater();
      return;
    }
    if (failure == null) {
      succeed(response);
      return;
    }
    Throwable cause = unwrap(failure);
    if (attempt.status() > 0) {
      // The body broke after the status was reported: no retry, the application sees why.
      fail(cause, attempt.status());
      return;
    }
    if (cause instanceof HttpTimeoutException
        && !(cause instanceof HttpConnectTimeoutException)
        && appDeadline != 0
        && System.nanoTime() >= appDeadline - DEADLINE_SLACK_NANOS) {
      applicationTimedOut(cause);
      return;
    }
    int kind = failureOf(cause);
    if (kind < 0) {
      fail(cause, 0);
      return;
    }
    if (call.attemptEnded(0, -1, kind)) {
      retryLater();
      return;
    }
    fail(cause, kind == MeshCall.TIMEOUT ? 504 : 503);
  }

  private void retryLater() {
    long backOff = call.backOffNanos();
    if (backOff > 0) {
      MeshHooks.schedule(() -> executor.execute(this::attempt), backOff);
    } else {
      executor.execute(this::attempt);
    }
  }

  private void succeed(HttpResponse<T> response) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancelTimer();
    HeaderEdits headers = new HeaderEdits(response.headers());
    call.responseHeaders(headers);
    HttpResponse<T> answer =
        headers.changed()
            ? new EditedResponse<>(response, request, headers.toHttpHeaders())
            : response;
    long received = contentLength(response.headers());
    call.finish(response.statusCode(), -1, received, bytesSent);
    result.complete(answer);
  }

  private void fail(Throwable cause, int status) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancelTimer();
    call.finish(status, -1, 0, 0);
    result.completeExceptionally(cause);
  }

  /** The route's timeout (on the timer thread): the application gets the client's timeout. */
  private void timedOut() {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    call.timedOut();
    cancelInFlight();
    call.finish(504, -1, 0, 0);
    executor.execute(
        () -> result.completeExceptionally(new HttpTimeoutException("request timed out")));
  }

  /** The application's own request timeout passed: its request, given up, as it asked. */
  private void applicationTimedOut(Throwable cause) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancelTimer();
    call.cancelled();
    call.finish(0, -1, 0, 0);
    result.completeExceptionally(cause);
  }

  private void cancelledByApplication() {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancelTimer();
    call.cancelled();
    cancelInFlight();
    call.finish(0, -1, 0, 0);
  }

  /** A local answer: through the application's body handler, so any handler works. */
  private void reply() {
    int status = call.replyStatus() > 0 ? call.replyStatus() : 200;
    byte[] body = call.replyBody().getBytes(StandardCharsets.UTF_8);
    HeaderEdits headers = new HeaderEdits(HttpHeaders.of(Map.of(), (n, v) -> true));
    headers.set("content-type", "text/plain");
    headers.set("content-length", Integer.toString(body.length));
    if (call.replyLocation() != null) {
      headers.set("location", call.replyLocation());
    }
    if (call.replyStatus() <= 0 && call.replyGrpcStatus() >= 0) {
      headers.set("grpc-status", Integer.toString(call.replyGrpcStatus()));
    }
    call.responseHeaders(headers);
    LocalResponse<Void> info = new LocalResponse<>(request, status, headers.toHttpHeaders(), null);
    try {
      BodySubscriber<T> subscriber = handler.apply(info);
      ReplyBody.feed(subscriber, body);
      subscriber
          .getBody()
          .whenComplete(
              (value, failure) -> {
                if (failure != null) {
                  fail(unwrap(failure), status);
                } else if (over.compareAndSet(false, true)) {
                  call.finish(status, call.replyGrpcStatus(), body.length, 0);
                  result.complete(info.withBody(value));
                }
              });
    } catch (RuntimeException e) {
      fail(e, status);
    }
  }

  private void cancelInFlight() {
    CompletableFuture<?> attempt = inFlight;
    if (attempt != null) {
      attempt.cancel(true);
    }
  }

  private void cancelTimer() {
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  /**
   * The response's {@code content-length}, 0 when it has none or a malformed one (the record's
   * count, not a reason to fail the response). {@code HttpHeaders.firstValueAsLong} builds a stream
   * per call and throws on a malformed value.
   */
  static long contentLength(HttpHeaders headers) {
    List<String> values = headers.allValues("content-length");
    if (values.isEmpty()) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(values.get(0).trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** {@link MeshCall}'s failure kind of an attempt's exception; -1 when it is no I/O failure. */
  static int failureOf(Throwable cause) {
    if (cause instanceof HttpConnectTimeoutException
        || cause instanceof ConnectException
        || cause.getCause() instanceof ConnectException) {
      return MeshCall.CONNECT_FAILURE;
    }
    if (cause instanceof HttpTimeoutException) {
      return MeshCall.TIMEOUT;
    }
    if (cause instanceof IOException) {
      return MeshCall.RESET;
    }
    return -1;
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
