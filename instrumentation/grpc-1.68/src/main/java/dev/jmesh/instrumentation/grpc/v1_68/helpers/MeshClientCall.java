package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * One RPC on the direct path. {@link #start} asks the data path; an RPC it leaves alone is the
 * channel's own call from then on. Otherwise each attempt is a call of the channel below, carrying
 * the endpoint (and TLS) the data path picked in its {@link CallOptions}, which the mesh's load
 * balancer turns into that endpoint's subchannel. The mesh waits (fault delay, back-off, route
 * timeout) on its timer, never on a thread.
 *
 * <p>A retriable RPC (unary) keeps its request message and holds each attempt's answer until the
 * attempt is final, so a retried answer never reaches the application. Every event (the
 * application's calls, an attempt's callbacks, timers) runs through a {@link SerialQueue}; timers
 * hand their event to the call's executor first, so the application's listener never runs on the
 * mesh's timer thread or inside its own call to {@link #start}.
 */
final class MeshClientCall<Q, R> extends ClientCall<Q, R> {

  /**
   * The HTTP status of a gRPC answer made without the server's (a local reply, a timeout, a failed
   * connection): a gRPC client always gets {@code :status 200} and a {@code grpc-status}.
   */
  private static final int GRPC_LOCAL_REPLY = 200;

  private final MethodDescriptor<Q, R> method;
  private final CallOptions options;
  private final Channel next;
  private final int capabilities;
  private final SerialQueue serial = new SerialQueue();

  /** The channel's own call when the data path left this RPC alone; set once in start. */
  private ClientCall<Q, R> untouched;

  // The rest is read and written inside the serial queue only (the attempt also by isReady).
  private MeshCall call;
  private Listener<R> app;
  private Metadata appHeaders;
  private boolean replayable;
  private final List<Q> messages = new ArrayList<>(1);
  private int requested;
  private boolean halfClosed;
  private volatile ClientCall<Q, R> attempt;
  private int attempts;
  private Deadline perTryDeadline;
  private boolean headersSeen;
  private Metadata heldHeaders;
  private final List<R> heldMessages = new ArrayList<>(1);
  private Future<?> pending;
  private Future<?> routeTimeout;
  private boolean done;

  MeshClientCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next, int caps) {
    this.method = method;
    this.options = options;
    this.next = next;
    this.capabilities = caps;
  }

  @Override
  public void start(Listener<R> listener, Metadata headers) {
    GrpcMeshRequest request =
        GrpcMeshRequest.of(next.authority(), method.getFullMethodName(), headers);
    MeshCall decided =
        request == null
            ? null
            : MeshHooks.outbound(MeshClientInterceptor.LIBRARY, capabilities, request);
    if (decided == null) {
      untouched = next.newCall(method, options);
      untouched.start(listener, headers);
      return;
    }
    serial.execute(
        () -> {
          call = decided;
          app = listener;
          appHeaders = headers;
          replayable = decided.mayRetry() && method.getType() == MethodDescriptor.MethodType.UNARY;
          long delay = decided.delayNanos();
          if (delay > 0) {
            pending = later(this::sendOrReply, delay);
          } else if (decided.action() == MeshCall.REPLY) {
            executor().execute(() -> serial.execute(this::sendOrReply));
          } else {
            sendOrReply();
          }
        });
  }

  @Override
  public void request(int n) {
    if (untouched != null) {
      untouched.request(n);
      return;
    }
    serial.execute(
        () -> {
          requested += n;
          ClientCall<Q, R> a = attempt;
          if (a != null) {
            a.request(n);
          }
        });
  }

  @Override
  public void sendMessage(Q message) {
    if (untouched != null) {
      untouched.sendMessage(message);
      return;
    }
    serial.execute(
        () -> {
          ClientCall<Q, R> a = attempt;
          if (a != null) {
            a.sendMessage(message);
          }
          // Kept for the next attempt: a retry's, or the first one's after a delay.
          if ((replayable || (a == null && attempts == 0)) && !done) {
            messages.add(message);
          }
        });
  }

  @Override
  public void halfClose() {
    if (untouched != null) {
      untouched.halfClose();
      return;
    }
    serial.execute(
        () -> {
          halfClosed = true;
          ClientCall<Q, R> a = attempt;
          if (a != null) {
            a.halfClose();
          }
        });
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (untouched != null) {
      untouched.cancel(message, cause);
      return;
    }
    serial.execute(
        () -> {
          if (done || call == null) {
            return;
          }
          done = true;
          cancelTimers();
          ClientCall<Q, R> a = attempt;
          attempt = null;
          if (a != null) {
            a.cancel(message, cause);
          }
          call.cancelled();
          call.finish(0, Status.Code.CANCELLED.value(), 0, 0);
          Status status = Status.CANCELLED.withDescription(message).withCause(cause);
          Listener<R> listener = app;
          executor().execute(() -> listener.onClose(status, new Metadata()));
        });
  }

  @Override
  public boolean isReady() {
    if (untouched != null) {
      return untouched.isReady();
    }
    ClientCall<Q, R> a = attempt;
    return a != null && a.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    if (untouched != null) {
      untouched.setMessageCompression(enabled);
      return;
    }
    ClientCall<Q, R> a = attempt;
    if (a != null) {
      a.setMessageCompression(enabled);
    }
  }

  @Override
  public Attributes getAttributes() {
    ClientCall<Q, R> c = untouched != null ? untouched : attempt;
    return c != null ? c.getAttributes() : Attributes.EMPTY;
  }

  // ---- inside the serial queue ----

  private void sendOrReply() {
    if (done) {
      return;
    }
    if (call.action() == MeshCall.REPLY) {
      reply();
      return;
    }
    long timeout = call.timeoutNanos();
    if (timeout > 0) {
      routeTimeout = later(() -> routeTimedOut(timeout), timeout);
    }
    startAttempt();
  }

  /**
   * A local answer (abort, no route, overflow…) as Envoy gives it to a gRPC client: trailers only,
   * the HTTP status mapped to a gRPC status, recorded as Envoy and the engine record it (HTTP 200
   * and that gRPC status).
   */
  private void reply() {
    done = true;
    int grpc = call.replyGrpcStatus();
    Status.Code code =
        grpc >= 0 ? Status.fromCodeValue(grpc).getCode() : GrpcStatuses.ofHttp(call.replyStatus());
    String body = call.replyBody();
    Status status = Status.fromCode(code).withDescription(body.isEmpty() ? null : body);
    Metadata trailers = new Metadata();
    call.responseHeaders(new MetadataHeaders(trailers));
    call.finish(GRPC_LOCAL_REPLY, code.value(), 0, 0);
    app.onClose(status, trailers);
  }

  private void startAttempt() {
    if (done) {
      return;
    }
    try {
      sendAttempt();
    } catch (RuntimeException e) {
      // Never leave the application waiting: the attempt failed, and with it the call.
      ClientCall<Q, R> a = attempt;
      attempt = null;
      if (a != null) {
        a.cancel("jmesh: the attempt could not be sent", e);
      }
      attempts++;
      finish(
          Status.INTERNAL.withDescription("jmesh: the attempt could not be sent").withCause(e),
          new Metadata(),
          503,
          Status.Code.INTERNAL.value());
    }
  }

  private void sendAttempt() {
    attempts++;
    int number = attempts;
    headersSeen = false;
    heldHeaders = null;
    heldMessages.clear();
    CallOptions o = options.withOption(MeshCallOptions.ENDPOINT, call.endpoint());
    SSLContext tls = call.tls();
    if (tls != null) {
      o = o.withOption(MeshCallOptions.TLS, tls);
    }
    perTryDeadline = null;
    long perTry = call.perTryTimeoutNanos();
    if (perTry > 0) {
      Deadline d = Deadline.after(perTry, TimeUnit.NANOSECONDS);
      Deadline own = options.getDeadline();
      if (own == null || d.isBefore(own)) {
        o = o.withDeadline(d);
        perTryDeadline = d;
      }
    }
    Metadata headers = new Metadata();
    headers.merge(appHeaders);
    call.requestHeaders(new MetadataHeaders(headers));
    ClientCall<Q, R> a = next.newCall(method, o);
    attempt = a;
    a.start(new AttemptListener(number), headers);
    if (requested > 0) {
      a.request(requested);
    }
    for (Q m : messages) {
      a.sendMessage(m);
    }
    if (!replayable) {
      messages.clear();
    }
    if (halfClosed) {
      a.halfClose();
    }
  }

  private void attemptClosed(int number, Status status, Metadata trailers) {
    if (number != attempts || done) {
      return;
    }
    attempt = null;
    Deadline own = options.getDeadline();
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && own != null && own.isExpired()) {
      // The application's own deadline: it gave up, the route did not time out.
      call.cancelled();
      finish(status, trailers, 0, status.getCode().value());
      return;
    }
    boolean answered = GrpcStatuses.serverAnswered(headersSeen, trailers);
    int http = GrpcStatuses.httpStatus(status, answered);
    int grpc = http == 200 ? status.getCode().value() : -1;
    int failure =
        http > 0
            ? MeshCall.NO_FAILURE
            : GrpcStatuses.failure(status, perTryDeadline != null && perTryDeadline.isExpired());
    boolean retry = call.attemptEnded(http, grpc, failure);
    if (retry && replayable) {
      long backOff = call.backOffNanos();
      if (backOff > 0) {
        pending = later(this::startAttempt, backOff);
      } else {
        startAttempt();
      }
      return;
    }
    // No response: Envoy would answer a gRPC client locally, recorded as HTTP 200 and the status.
    finish(status, trailers, http > 0 ? http : GRPC_LOCAL_REPLY, status.getCode().value());
  }

  private void finish(Status status, Metadata trailers, int recorded, int grpc) {
    done = true;
    cancelTimers();
    call.finish(recorded, grpc, 0, 0);
    if (heldHeaders != null) {
      call.responseHeaders(new MetadataHeaders(heldHeaders));
      app.onHeaders(heldHeaders);
    } else if (!headersSeen) {
      call.responseHeaders(new MetadataHeaders(trailers));
    }
    for (R m : heldMessages) {
      app.onMessage(m);
    }
    heldMessages.clear();
    app.onClose(status, trailers);
  }

  private void routeTimedOut(long timeoutNanos) {
    if (done) {
      return;
    }
    done = true;
    if (pending != null) {
      pending.cancel(false);
    }
    ClientCall<Q, R> a = attempt;
    attempt = null;
    if (a != null) {
      a.cancel("jmesh: the route's timeout passed", null);
    }
    call.timedOut();
    call.finish(GRPC_LOCAL_REPLY, Status.Code.DEADLINE_EXCEEDED.value(), 0, 0);
    app.onClose(
        Status.DEADLINE_EXCEEDED.withDescription(
            "jmesh: the route's timeout of "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                + " ms passed"),
        new Metadata());
  }

  private void cancelTimers() {
    if (pending != null) {
      pending.cancel(false);
    }
    if (routeTimeout != null) {
      routeTimeout.cancel(false);
    }
  }

  /** Runs {@code event} in the queue after {@code nanos}, handed from the timer to the executor. */
  private Future<?> later(Runnable event, long nanos) {
    Executor executor = executor();
    return MeshHooks.schedule(() -> executor.execute(() -> serial.execute(event)), nanos);
  }

  /** Where the application's listener runs: the call's executor, else the mesh's callbacks. */
  private Executor executor() {
    Executor e = options.getExecutor();
    return e != null ? e : CallbackThreads.EXECUTOR;
  }

  /** One attempt's callbacks, ignored once a later attempt or the end has replaced it. */
  private final class AttemptListener extends ClientCall.Listener<R> {

    private final int number;

    AttemptListener(int number) {
      this.number = number;
    }

    @Override
    public void onHeaders(Metadata headers) {
      serial.execute(
          () -> {
            if (number != attempts || done) {
              return;
            }
            headersSeen = true;
            if (replayable) {
              heldHeaders = headers;
            } else {
              call.responseHeaders(new MetadataHeaders(headers));
              app.onHeaders(headers);
            }
          });
    }

    @Override
    public void onMessage(R message) {
      serial.execute(
          () -> {
            if (number != attempts || done) {
              return;
            }
            if (replayable) {
              heldMessages.add(message);
            } else {
              app.onMessage(message);
            }
          });
    }

    @Override
    public void onReady() {
      serial.execute(
          () -> {
            if (number == attempts && !done) {
              app.onReady();
            }
          });
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      serial.execute(() -> attemptClosed(number, status, trailers));
    }
  }
}
