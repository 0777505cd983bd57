package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One direct request's attempts through OkHttp: each goes to the endpoint the data path picked,
 * with the application's {@code Host} kept, so OkHttp's pool holds connections per endpoint; a
 * retriable outcome is dropped and sent again to the next endpoint; a local reply never touches the
 * network. The call is finished exactly once, with the status the application saw.
 */
final class DirectExchange {

  private DirectExchange() {}

  /**
   * Runs {@code call} for the chain's request. {@code delayDone}: the fault delay was already
   * waited for on a timer, before the call was enqueued. {@code followRedirects}: the client's
   * setting, for a redirect the mesh answers.
   */
  static Response run(
      Interceptor.Chain chain, MeshCall call, boolean delayDone, boolean followRedirects)
      throws IOException {
    Request original = chain.request();
    Call okCall = chain.call();
    long sent = Math.max(0, RequestBodies.length(original.body()));
    if (!delayDone && call.delayNanos() > 0) {
      // Only a synchronous call (or one enqueued past the enqueue hook) waits here.
      pause(call.delayNanos(), okCall);
    }
    if (okCall.isCanceled()) {
      throw cancelled(call, sent, null);
    }
    if (call.action() == MeshCall.REPLY) {
      Response reply;
      try {
        reply = LocalReply.of(original, call);
      } catch (RuntimeException e) {
        call.finish(0, -1, 0, 0);
        throw e;
      }
      call.finish(call.replyStatus(), call.replyGrpcStatus(), call.replyBody().length(), 0);
      Request followUp = followRedirects ? RedirectFollowUp.of(original, reply) : null;
      // The follow-up is OkHttp's own, as behind a sidecar: not decided again; the engine
      // carries it if it goes to a mesh name.
      return followUp == null ? reply : chain.proceed(followUp);
    }
    return attempts(chain, okCall, original, call, sent);
  }

  /**
   * The attempt loop. Every way out finishes the call first: {@code finish} never throws, so the
   * catch of unchecked failures below cannot see a finished call.
   */
  private static Response attempts(
      Interceptor.Chain chain, Call okCall, Request original, MeshCall call, long sent)
      throws IOException {
    String authority = authority(original.url());
    Interceptor.Chain attempts = perTry(chain, call.perTryTimeoutNanos());
    CallDeadline deadline = CallDeadline.start(okCall, call.timeoutNanos());
    try {
      while (true) {
        Response response;
        try {
          response = attempts.proceed(retarget(original, authority, call));
        } catch (IOException e) {
          if (deadline != null && deadline.expired()) {
            throw timedOut(call, sent, e);
          }
          if (okCall.isCanceled()) {
            throw cancelled(call, sent, e);
          }
          int failure = failureOf(e);
          if (call.attemptEnded(0, -1, failure)) {
            backOff(call, okCall, deadline, sent);
            continue;
          }
          call.finish(failure == MeshCall.TIMEOUT ? 504 : 503, -1, 0, sent);
          throw e;
        }
        int status = response.code();
        if (call.attemptEnded(status, -1, MeshCall.NO_FAILURE)) {
          discard(response);
          backOff(call, okCall, deadline, sent);
          continue;
        }
        if (deadline != null && !deadline.answered()) {
          discard(response);
          throw timedOut(call, sent, null);
        }
        Response shown = shown(response, original, call);
        call.finish(status, -1, received(response), sent);
        return shown;
      }
    } catch (RuntimeException | Error e) {
      call.finish(0, -1, 0, sent);
      throw e;
    } finally {
      if (deadline != null) {
        deadline.stop();
      }
    }
  }

  /** The copy of the request for the current attempt: to the endpoint, the app's Host kept. */
  static Request retarget(Request original, String authority, MeshCall call) {
    MeshEndpointAddress endpoint = call.endpoint();
    Request.Builder attempt = original.newBuilder();
    // The changes go into the attempt's own copy of the headers where OkHttp lets us at it.
    Headers.Builder own = BuilderHeaders.of(attempt);
    HeadersView headers = own != null ? new HeadersView(own) : new HeadersView(original.headers());
    if (!headers.contains("Host")) {
      headers.set("Host", authority);
    }
    call.requestHeaders(headers);
    if (own == null && headers.changed()) {
      attempt.headers(headers.headers());
    }
    if (endpoint != null) {
      DirectEndpoints.remember(endpoint);
      attempt.url(RetargetedUrls.of(original.url(), endpoint));
    }
    return attempt.build();
  }

  /** {@code Host} as OkHttp would have written it for the application's URL. */
  static String authority(HttpUrl url) {
    String host = url.host();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return url.port() == HttpUrl.defaultPort(url.scheme()) ? host : host + ":" + url.port();
  }

  /** The chain with the route's per-try timeout, unless the client's own is shorter. */
  private static Interceptor.Chain perTry(Interceptor.Chain chain, long nanos) {
    if (nanos <= 0) {
      return chain;
    }
    int millis =
        (int)
            Math.min(
                Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
    return chain
        .withConnectTimeout(shorter(millis, chain.connectTimeoutMillis()), TimeUnit.MILLISECONDS)
        .withReadTimeout(shorter(millis, chain.readTimeoutMillis()), TimeUnit.MILLISECONDS)
        .withWriteTimeout(shorter(millis, chain.writeTimeoutMillis()), TimeUnit.MILLISECONDS);
  }

  private static int shorter(int mesh, int client) {
    return client <= 0 ? mesh : Math.min(mesh, client);
  }

  static int failureOf(IOException e) {
    if (e instanceof SocketTimeoutException) {
      return MeshCall.TIMEOUT;
    }
    if (e instanceof ConnectException
        || e instanceof NoRouteToHostException
        || e instanceof UnknownHostException) {
      return MeshCall.CONNECT_FAILURE;
    }
    if (e instanceof InterruptedIOException && "timeout".equals(e.getMessage())) {
      return MeshCall.TIMEOUT;
    }
    return MeshCall.RESET;
  }

  /**
   * Waits {@code nanos} on this thread unless the call is cancelled. One park is not enough: it
   * returns at once on a permit an earlier unpark of this thread left behind, or on a spurious
   * wake-up, which cut a fault delay short.
   */
  private static void pause(long nanos, Call okCall) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0 && !okCall.isCanceled(); left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /**
   * Waits out a retry's back-off. On OkHttp's dispatcher thread too, for an asynchronous call: the
   * back-off is short and the dispatcher has no way to give the slot back and resume.
   */
  private static void backOff(MeshCall call, Call okCall, CallDeadline deadline, long sent)
      throws IOException {
    pause(call.backOffNanos(), okCall);
    if (deadline != null && deadline.expired()) {
      throw timedOut(call, sent, null);
    }
    if (okCall.isCanceled()) {
      throw cancelled(call, sent, null);
    }
  }

  /** What the application gets: its own request, the route's response header changes. */
  private static Response shown(Response response, Request original, MeshCall call) {
    Response.Builder shown = response.newBuilder().request(original);
    Headers.Builder own = BuilderHeaders.of(shown);
    HeadersView headers = own != null ? new HeadersView(own) : new HeadersView(response.headers());
    call.responseHeaders(headers);
    if (own == null && headers.changed()) {
      shown.headers(headers.headers());
    }
    return shown.build();
  }

  private static long received(Response response) {
    ResponseBody body = response.body();
    return body == null ? 0 : Math.max(0, body.contentLength());
  }

  private static void discard(Response response) {
    if (response.body() != null) {
      response.close();
    }
  }

  /** The route's timeout passed: OkHttp's own exception for a call timeout. */
  private static InterruptedIOException timedOut(MeshCall call, long sent, IOException cause) {
    call.timedOut();
    call.finish(504, -1, 0, sent);
    InterruptedIOException timeout = new InterruptedIOException("timeout");
    if (cause != null) {
      timeout.initCause(cause);
    }
    return timeout;
  }

  private static IOException cancelled(MeshCall call, long sent, IOException cause) {
    call.cancelled();
    call.finish(0, -1, 0, sent);
    return cause != null ? cause : new IOException("Canceled");
  }
}
