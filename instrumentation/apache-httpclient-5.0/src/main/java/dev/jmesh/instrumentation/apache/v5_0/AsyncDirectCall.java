package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHooks;
import java.net.SocketTimeoutException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.client5.http.async.methods.ConfigurableHttpRequest;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.ComplexFuture;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncPushConsumer;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.HandlerFactory;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.net.URIAuthority;
import org.apache.hc.core5.util.Timeout;

/**
 * One application call of the asynchronous client (HTTP/1.1 or HTTP/2) on the direct path. The
 * application gets a future at once; the attempts are the client's own executions of a re-targeted
 * copy of the request, chained by their callbacks. Every wait (fault delay, back-off, the route's
 * timeout) is a task on {@link MeshHooks#schedule}: no thread sleeps, least of all an I/O
 * reactor's. The route's timeout fails the future with a {@link SocketTimeoutException}, as
 * Apache's own response timeout does ({@code future.get()} throws an {@code ExecutionException}
 * caused by it).
 */
public final class AsyncDirectCall<T> {

  static final String LIBRARY = "apache-httpclient-5-async";

  /** Set just before an attempt re-enters {@code doExecute}: that one call proceeds untouched. */
  private static final ThreadLocal<Boolean> OWN_ATTEMPT = new ThreadLocal<>();

  private final CloseableHttpAsyncClient client;
  private final ApacheRequestView view;
  private final HttpRequest request;
  private final EntityDetails entity;
  private final AsyncRequestProducer producer;
  private final AsyncResponseConsumer<T> consumer;
  private final HandlerFactory<AsyncPushConsumer> pushHandlers;
  private final HttpContext context;
  private final HttpContext attemptContext;
  private final MeshCall call;
  private final ComplexFuture<T> future;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean timedOut;
  private volatile Future<T> inFlight;
  private volatile AttemptResponseConsumer<T> current;
  private volatile AttemptRequestProducer currentRequest;
  private volatile Future<?> timer;

  private AsyncDirectCall(
      CloseableHttpAsyncClient client,
      ApacheRequestView view,
      CapturedRequest captured,
      AsyncRequestProducer producer,
      AsyncResponseConsumer<T> consumer,
      HandlerFactory<AsyncPushConsumer> pushHandlers,
      HttpContext context,
      MeshCall call,
      FutureCallback<T> callback) {
    this.client = client;
    this.view = view;
    this.request = captured.request;
    this.entity = captured.entity;
    this.producer = producer;
    this.consumer = consumer;
    this.pushHandlers = pushHandlers;
    this.context = context;
    this.attemptContext = AttemptContext.of(context);
    this.call = call;
    this.future = new ComplexFuture<>(callback);
  }

  /**
   * {@code doExecute} entry: the future of the call handled on the direct path, or {@code null} for
   * the client to go on as written (not a mesh request, the engine's, or an attempt of ours).
   */
  public static <T> Future<T> execute(
      CloseableHttpAsyncClient client,
      HttpHost target,
      AsyncRequestProducer producer,
      AsyncResponseConsumer<T> consumer,
      HandlerFactory<AsyncPushConsumer> pushHandlers,
      HttpContext context,
      FutureCallback<T> callback) {
    if (OWN_ATTEMPT.get() != null) {
      OWN_ATTEMPT.remove();
      return null;
    }
    if (producer == null || consumer == null || !MeshHooks.isInstalled()) {
      return null;
    }
    CapturedRequest captured = CapturedRequest.of(producer, context);
    if (captured == null) {
      return null;
    }
    ApacheRequestView view = ApacheRequestView.of(target, captured.request);
    if (view == null) {
      return null;
    }
    int capabilities = MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY;
    if ("http".equalsIgnoreCase(view.scheme()) && speaksHttp1(client)) {
      // The mesh's TLS goes under a cleartext HTTP/1.1 connection (AsyncConnectionTls); HTTP/2
      // would need ALPN under a prior-knowledge client, so its mTLS routes stay on the engine.
      capabilities |= MeshCall.CAN_TLS;
    }
    if (captured.entity != null && !producer.isRepeatable()) {
      capabilities |= MeshCall.ONE_SHOT_BODY;
    }
    MeshCall call = MeshHooks.outbound(LIBRARY, capabilities, view);
    if (call == null) {
      return null;
    }
    AsyncDirectCall<T> direct =
        new AsyncDirectCall<>(
            client, view, captured, producer, consumer, pushHandlers, context, call, callback);
    direct.start();
    return direct.future;
  }

  private static boolean speaksHttp1(CloseableHttpAsyncClient client) {
    return client.getClass().getName().endsWith(".InternalHttpAsyncClient");
  }

  private void start() {
    long timeout = call.timeoutNanos();
    if (timeout > 0) {
      timer = MeshHooks.schedule(this::timeoutPassed, timeout);
    }
    after(call.delayNanos(), this::begin);
  }

  private void after(long nanos, Runnable step) {
    if (nanos > 0) {
      MeshHooks.schedule(step, nanos);
    } else {
      step.run();
    }
  }

  private void begin() {
    if (stoppedByApplication()) {
      return;
    }
    if (call.action() != MeshCall.REPLY) {
      send();
      return;
    }
    try {
      AsyncLocalReply.deliver(
          call,
          consumer,
          context,
          new FutureCallback<T>() {
            @Override
            public void completed(T result) {
              if (end()) {
                call.finish(call.replyStatus(), -1, 0, 0);
                future.completed(result);
                endConsumer(null);
              }
            }

            @Override
            public void failed(Exception cause) {
              fail(cause, 0);
            }

            @Override
            public void cancelled() {
              fail(new IllegalStateException("jmesh: local reply cancelled"), 0);
            }
          });
    } catch (Exception e) {
      fail(e, 0);
    }
  }

  /** One attempt to the current endpoint. */
  private void send() {
    if (timedOut || ended.get() || stoppedByApplication()) {
      return;
    }
    MeshEndpointAddress endpoint = call.endpoint();
    HttpHost target =
        new HttpHost(view.scheme(), endpoint.getAddress(), view.host(), endpoint.getPort());
    DirectEndpoints.mark(target);
    ConfigurableHttpRequest copy = copyOfRequest();
    call.requestHeaders(new ApacheHeaders(copy));
    AttemptResponseConsumer<T> attempt = new AttemptResponseConsumer<>(consumer, call);
    AttemptRequestProducer previous = currentRequest;
    if (previous != null) {
      // A cancelled attempt may not be torn down yet: the body is rewound here, not under us.
      previous.retire();
    }
    AttemptRequestProducer request = new AttemptRequestProducer(copy, entity, producer);
    current = attempt;
    currentRequest = request;
    Future<T> sent;
    AttemptCallback callback = new AttemptCallback(attempt);
    OWN_ATTEMPT.set(Boolean.TRUE);
    try {
      sent =
          client.execute(
              target,
              request,
              attempt,
              pushHandlers,
              attemptContext,
              callback);
    } catch (RuntimeException e) {
      attemptFailed(e, false);
      return;
    } finally {
      OWN_ATTEMPT.remove();
    }
    inFlight = sent;
    future.setDependency(sent);
    if (timedOut) {
      sent.cancel(true);
      return;
    }
    long perTry = call.perTryTimeoutNanos();
    if (perTry > 0) {
      // Apache's response timeout is an idle timeout of the connection, which it does not always
      // arm for a request in flight: the mesh's own timer bounds the attempt as Envoy's does.
      callback.perTryTimer =
          MeshHooks.schedule(
              () -> {
                if (!attempt.headKept()) {
                  callback.perTryExpired = true;
                  sent.cancel(true);
                }
              },
              perTry);
    }
  }

  private ConfigurableHttpRequest copyOfRequest() {
    URIAuthority authority = request.getAuthority();
    ConfigurableHttpRequest copy =
        new ConfigurableHttpRequest(
            request.getMethod(),
            view.scheme(),
            authority != null ? authority : new URIAuthority(view.host(), view.port()),
            request.getPath());
    if (request.getVersion() != null) {
      copy.setVersion(request.getVersion());
    }
    copy.setHeaders(request.getHeaders());
    RequestConfig config =
        request instanceof Configurable ? ((Configurable) request).getConfig() : null;
    long perTry = call.perTryTimeoutNanos();
    if (perTry > 0) {
      RequestConfig base = config;
      if (base == null && context != null) {
        base = HttpClientContext.adapt(context).getRequestConfig();
      }
      if (base == null || base == RequestConfig.DEFAULT) {
        base = client instanceof Configurable ? ((Configurable) client).getConfig() : null;
      }
      config =
          RequestConfig.copy(base != null ? base : RequestConfig.DEFAULT)
              .setResponseTimeout(
                  Timeout.of(
                      Math.max(1, TimeUnit.NANOSECONDS.toMillis(perTry)), TimeUnit.MILLISECONDS))
              .build();
    }
    if (config != null) {
      copy.setConfig(config);
    }
    return copy;
  }

  /** How one attempt's exchange ended, in Apache's terms. */
  private final class AttemptCallback implements FutureCallback<T> {

    private final AttemptResponseConsumer<T> attempt;

    /** The per-try timer, cancelled when the attempt ends first. */
    volatile Future<?> perTryTimer;

    /** Set by the per-try timer before it cancels the attempt. */
    volatile boolean perTryExpired;

    AttemptCallback(AttemptResponseConsumer<T> attempt) {
      this.attempt = attempt;
    }

    private void attemptOver() {
      Future<?> t = perTryTimer;
      if (t != null) {
        t.cancel(false);
      }
    }

    @Override
    public void completed(T result) {
      attemptOver();
      if (attempt.discarded()) {
        if (!ended.get()) {
          after(call.backOffNanos(), AsyncDirectCall.this::send);
        }
      } else if (end()) {
        cancelTimer();
        call.finish(attempt.status(), -1, attempt.received(), sent());
        future.completed(result);
      }
    }

    @Override
    public void failed(Exception cause) {
      attemptOver();
      if (perTryExpired) {
        // Cancelling may surface as a failure too: it is the per-try timeout all the same.
        cause = new SocketTimeoutException("jmesh: per-try timeout");
      }
      attemptFailed(cause, attempt.headKept());
    }

    @Override
    public void cancelled() {
      attemptOver();
      if (perTryExpired) {
        attemptFailed(new SocketTimeoutException("jmesh: per-try timeout"), false);
        return;
      }
      if (!timedOut && end()) {
        cancelTimer();
        call.cancelled();
        call.finish(0, -1, 0, sent());
        future.cancel(true);
        endConsumer(null);
      }
    }
  }

  private void attemptFailed(Exception cause, boolean headKept) {
    if (timedOut || ended.get()) {
      return;
    }
    if (future.isCancelled()) {
      stoppedByApplication();
      return;
    }
    int failure = AttemptFailures.of(cause);
    if (!headKept && call.attemptEnded(0, -1, failure)) {
      after(call.backOffNanos(), this::send);
      return;
    }
    fail(cause, headKept ? 0 : AttemptFailures.finalStatus(failure));
  }

  private void fail(Exception cause, int status) {
    if (end()) {
      cancelTimer();
      call.finish(status, -1, 0, sent());
      endConsumer(cause);
      future.failed(cause);
    }
  }

  /**
   * The application's consumer hears of the end once: from Apache, through the attempt that kept
   * the head; from here, with the failure if any, when none did (see {@link
   * AttemptResponseConsumer}).
   */
  private void endConsumer(Exception cause) {
    AttemptResponseConsumer<T> attempt = current;
    if (attempt == null || attempt.abandon()) {
      if (cause != null) {
        consumer.failed(cause);
      }
      consumer.releaseResources();
    }
  }

  /** The timer's task: ends the call and cancels the attempt in flight; no I/O of its own. */
  private void timeoutPassed() {
    timedOut = true;
    if (!end()) {
      return;
    }
    call.timedOut();
    call.finish(504, -1, 0, sent());
    Future<T> attempt = inFlight;
    if (attempt != null) {
      attempt.cancel(true);
    }
    SocketTimeoutException e =
        new SocketTimeoutException(
            "jmesh: request to "
                + view.host()
                + ":"
                + view.port()
                + " timed out after "
                + TimeUnit.NANOSECONDS.toMillis(call.timeoutNanos())
                + " ms (route timeout)");
    endConsumer(e);
    future.failed(e);
  }

  /** Whether the application cancelled the future; ends the call if so. */
  private boolean stoppedByApplication() {
    if (!future.isCancelled()) {
      return false;
    }
    if (end()) {
      cancelTimer();
      call.cancelled();
      call.finish(0, -1, 0, sent());
      endConsumer(null);
    }
    return true;
  }

  private boolean end() {
    return ended.compareAndSet(false, true);
  }

  private void cancelTimer() {
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  private long sent() {
    return entity == null ? 0 : Math.max(0, entity.getContentLength());
  }
}
