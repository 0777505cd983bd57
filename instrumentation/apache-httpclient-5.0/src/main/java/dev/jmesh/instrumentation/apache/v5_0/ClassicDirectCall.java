package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.net.URIAuthority;
import org.apache.hc.core5.util.Timeout;

/**
 * One application call of the classic client on the direct path: the data path's decision, then
 * attempts on the caller's thread, each a copy of the application's request sent through the
 * client's own {@code execute} to the endpoint the mesh picked. The copy's target carries the
 * endpoint's address under the application's host name, so the pool keeps a route per endpoint, DNS
 * is skipped and the {@code Host} header stays {@code reviews:9080}.
 *
 * <p>Waits (fault delay, back-off) park the caller's thread: the classic API blocks it anyway, and
 * it holds no library lock here. The whole request's timeout is a timer that cancels the attempt in
 * flight; the application then gets a {@link SocketTimeoutException}, what Apache throws for its
 * own response timeout.
 */
public final class ClassicDirectCall {

  static final String LIBRARY = "apache-httpclient-5";

  /** Set just before an attempt re-enters {@code doExecute}: that one call proceeds untouched. */
  private static final ThreadLocal<Boolean> OWN_ATTEMPT = new ThreadLocal<>();

  private static final URI ROOT = URI.create("/");

  private final CloseableHttpClient client;
  private final ClassicHttpRequest request;
  private final HttpContext context;
  private final HttpContext attemptContext;
  private final MeshCall call;
  private final ApacheRequestView view;
  private final Thread caller = Thread.currentThread();
  private volatile boolean timedOut;
  private volatile HttpUriRequestBase inFlight;
  private boolean finished;

  private ClassicDirectCall(
      CloseableHttpClient client,
      ClassicHttpRequest request,
      HttpContext context,
      MeshCall call,
      ApacheRequestView view) {
    this.client = client;
    this.request = request;
    this.context = context;
    this.attemptContext = AttemptContext.of(context);
    this.call = call;
    this.view = view;
  }

  /**
   * {@code doExecute} entry: the response of the call handled on the direct path, or {@code null}
   * for the client to go on as written (not a mesh request, the engine's, or an attempt of ours).
   */
  public static CloseableHttpResponse execute(
      CloseableHttpClient client, HttpHost target, ClassicHttpRequest request, HttpContext context)
      throws IOException {
    if (OWN_ATTEMPT.get() != null) {
      OWN_ATTEMPT.remove();
      return null;
    }
    if (request == null || !MeshHooks.isInstalled()) {
      return null;
    }
    ApacheRequestView view = ApacheRequestView.of(target, request);
    if (view == null) {
      return null;
    }
    int capabilities = MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY;
    if ("http".equalsIgnoreCase(view.scheme())) {
      // The application speaks cleartext; the mesh's TLS goes under it at connect.
      capabilities |= MeshCall.CAN_TLS;
    }
    HttpEntity entity = request.getEntity();
    if (entity != null && !entity.isRepeatable()) {
      capabilities |= MeshCall.ONE_SHOT_BODY;
    }
    MeshCall call = MeshHooks.outbound(LIBRARY, capabilities, view);
    if (call == null) {
      return null;
    }
    return new ClassicDirectCall(client, request, context, call, view).run();
  }

  private CloseableHttpResponse run() throws IOException {
    long timeout = call.timeoutNanos();
    Future<?> timer = timeout > 0 ? MeshHooks.schedule(this::timeoutPassed, timeout) : null;
    try {
      if (!pause(call.delayNanos())) {
        throw timedOut(null);
      }
      if (call.action() == MeshCall.REPLY) {
        CloseableHttpResponse reply = ClassicLocalReply.of(call);
        finish(call.replyStatus(), 0, 0);
        return reply;
      }
      while (true) {
        CloseableHttpResponse response;
        try {
          response = attempt();
        } catch (IOException e) {
          if (timedOut) {
            throw timedOut(e);
          }
          if (applicationCancelled()) {
            call.cancelled();
            finish(0, 0, 0);
            throw e;
          }
          int failure = AttemptFailures.of(e);
          if (!call.attemptEnded(0, -1, failure)) {
            finish(AttemptFailures.finalStatus(failure), 0, 0);
            throw e;
          }
          if (!pause(call.backOffNanos())) {
            throw timedOut(e);
          }
          continue;
        }
        int status = response.getCode();
        if (call.attemptEnded(status, -1, MeshCall.NO_FAILURE)) {
          discard(response);
          if (!pause(call.backOffNanos())) {
            throw timedOut(null);
          }
          continue;
        }
        if (timer != null) {
          // The route's timeout covers the wait for the response's head, not the body's reading.
          timer.cancel(false);
        }
        if (timedOut) {
          discard(response);
          throw timedOut(null);
        }
        call.responseHeaders(new ApacheHeaders(response));
        finish(status, length(response.getEntity()), length(request.getEntity()));
        return response;
      }
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
      if (!finished) {
        // A failure of the library's own (a RuntimeException): the call still ends exactly once.
        finish(0, 0, 0);
      }
    }
  }

  /** One attempt: a copy of the application's request, re-targeted to the current endpoint. */
  private CloseableHttpResponse attempt() throws IOException {
    MeshEndpointAddress endpoint = call.endpoint();
    HttpUriRequestBase copy = copyOfRequest();
    call.requestHeaders(new ApacheHeaders(copy));
    HttpHost target =
        new HttpHost(view.scheme(), endpoint.getAddress(), view.host(), endpoint.getPort());
    inFlight = copy;
    if (timedOut || applicationCancelled()) {
      copy.cancel();
    }
    // Apache connects with an address of its own making: the operator's connect is marked.
    DirectEndpoints.mark(target);
    OWN_ATTEMPT.set(Boolean.TRUE);
    try {
      return client.execute(target, copy, attemptContext);
    } finally {
      OWN_ATTEMPT.remove();
      inFlight = null;
    }
  }

  private HttpUriRequestBase copyOfRequest() {
    HttpUriRequestBase copy = new HttpUriRequestBase(request.getMethod(), ROOT);
    copy.setScheme(view.scheme());
    // The application's authority, whatever port the endpoint listens on: it becomes Host.
    URIAuthority authority = request.getAuthority();
    copy.setAuthority(authority != null ? authority : new URIAuthority(view.host(), view.port()));
    copy.setPath(request.getPath());
    if (request.getVersion() != null) {
      copy.setVersion(request.getVersion());
    }
    copy.setHeaders(request.getHeaders());
    copy.setEntity(request.getEntity());
    RequestConfig config =
        request instanceof Configurable ? ((Configurable) request).getConfig() : null;
    long perTry = call.perTryTimeoutNanos();
    if (perTry > 0) {
      RequestConfig base = config != null ? config : baseConfig();
      config =
          RequestConfig.copy(base)
              .setResponseTimeout(
                  Timeout.of(
                      Math.max(1, TimeUnit.NANOSECONDS.toMillis(perTry)), TimeUnit.MILLISECONDS))
              .build();
    }
    if (config != null) {
      copy.setConfig(config);
    }
    if (request instanceof CancellableDependency) {
      // The application's cancel() reaches the attempt in flight.
      ((CancellableDependency) request).setDependency(copy);
    }
    return copy;
  }

  /** The config the attempt would have had: the context's, else the client's default. */
  private RequestConfig baseConfig() {
    if (context != null) {
      RequestConfig fromContext = HttpClientContext.adapt(context).getRequestConfig();
      if (fromContext != null && fromContext != RequestConfig.DEFAULT) {
        return fromContext;
      }
    }
    if (client instanceof Configurable) {
      RequestConfig fromClient = ((Configurable) client).getConfig();
      if (fromClient != null) {
        return fromClient;
      }
    }
    return RequestConfig.DEFAULT;
  }

  private boolean applicationCancelled() {
    return request instanceof CancellableDependency
        && ((CancellableDependency) request).isCancelled();
  }

  /** The timer's task: only flags and cancels (no I/O on the timer thread beyond a close). */
  private void timeoutPassed() {
    timedOut = true;
    HttpUriRequestBase attempt = inFlight;
    if (attempt != null) {
      attempt.cancel();
    }
    LockSupport.unpark(caller);
  }

  /** Waits {@code nanos} on the caller's thread; false when the route's timeout passed. */
  private boolean pause(long nanos) {
    if (nanos > 0) {
      long end = System.nanoTime() + nanos;
      long left;
      while (!timedOut && (left = end - System.nanoTime()) > 0) {
        LockSupport.parkNanos(left);
      }
    }
    return !timedOut;
  }

  private SocketTimeoutException timedOut(IOException cause) {
    call.timedOut();
    finish(504, 0, 0);
    SocketTimeoutException e =
        new SocketTimeoutException(
            "jmesh: request to "
                + view.host()
                + ":"
                + view.port()
                + " timed out after "
                + TimeUnit.NANOSECONDS.toMillis(call.timeoutNanos())
                + " ms (route timeout)");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  private void finish(int status, long received, long sent) {
    if (!finished) {
      finished = true;
      call.finish(status, -1, received, sent);
    }
  }

  private static void discard(CloseableHttpResponse response) {
    try {
      EntityUtils.consume(response.getEntity());
    } catch (IOException ignored) {
      // The connection is closed below instead of going back to the pool.
    }
    try {
      response.close();
    } catch (IOException ignored) {
      // Nothing of this response reaches the application.
    }
  }

  private static long length(HttpEntity entity) {
    return entity == null ? 0 : Math.max(0, entity.getContentLength());
  }
}
