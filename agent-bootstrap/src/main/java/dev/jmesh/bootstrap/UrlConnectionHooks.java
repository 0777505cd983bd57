package dev.jmesh.bootstrap;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The direct path of {@link HttpURLConnection} ({@code http://} only), called by the {@code
 * jdk-urlconnection} instrumentation's advice inside the JDK's own implementation classes:
 *
 * <ol>
 *   <li>{@link #connecting} when a connection object first opens its connection ({@code
 *       plainConnect0}): the data path decides once per connection object and authority; header
 *       changes and the route's timeouts go on the connection through its public API; a fault delay
 *       parks the caller (the API is synchronous).
 *   <li>{@link #endpointUrl} when the JDK looks for a client ({@code HttpClient.New}): its URL is
 *       re-targeted to the endpoint, so the JDK's keep-alive cache is keyed per endpoint and the
 *       socket goes there; the {@code Host} header is still written from the connection's own URL.
 *   <li>{@link #openingServer} and {@link #connected} when such a client connects its socket
 *       ({@code HttpClient.openServer()}, {@code NetworkClient.doConnect}), at first or again after
 *       a stale keep-alive: the connect is marked direct and mTLS is layered on the socket when the
 *       call asks for it.
 *   <li>{@link #opened} when {@code HttpClient.New} returns or throws: a failed connect is retried
 *       on the next endpoint before any byte was sent; the advice runs {@code New} again.
 *   <li>{@link #retryOnStatus} and {@link #retryOnFailure} when an attempt ended with a status or
 *       broke: a retry is one more turn of the connection's own redirect loop, or one more run of
 *       {@code getInputStream0}, on the next endpoint, with the buffered body sent again.
 *   <li>{@link #exchangeEnded} (or {@link #disconnected}) when the exchange is over: the call is
 *       finished with the status the application sees.
 * </ol>
 *
 * <p>No hook throws; a failure of the mesh leaves the request as the application wrote it. Nothing
 * here synchronizes; waits park the application's own thread, which holds only the connection's
 * {@code ReentrantLock} (JDK 17.0.15 and 25 here), never a monitor.
 */
public final class UrlConnectionHooks {

  static final String LIBRARY = "jdk-urlconnection";

  /**
   * Calls by connection object. A connection the application dropped before its response (it wrote
   * a body and never asked for the status) ends its call as cancelled when collected.
   */
  private static final WeakIdentityMap<HttpURLConnection, UrlConnectionCall> CALLS =
      new WeakIdentityMap<>(UrlConnectionHooks::abandoned);

  /** The call whose client this thread is opening, from {@code New}'s entry to its exit. */
  private static final ThreadLocal<UrlConnectionCall> OPENING = new ThreadLocal<>();

  private UrlConnectionHooks() {}

  /**
   * {@code plainConnect0} entry: decides the request unless this connection object already has a
   * call for its authority (a redirect or authentication follow-up, a reconnect). The advice lets
   * the connection's setters work for the duration of this call.
   */
  public static void connecting(HttpURLConnection connection, boolean oneShotBody) {
    if (!MeshHooks.isInstalled() || connection == null) {
      return;
    }
    UrlConnectionCall state = null;
    try {
      URL url = connection.getURL();
      if (!"http".equalsIgnoreCase(url.getProtocol())) {
        return;
      }
      UrlConnectionCall current = CALLS.get(connection);
      if (current != null) {
        if (current.sameAuthority(url)) {
          return;
        }
        // Redirected to another authority: the first call ended with the redirect.
        end(connection, current, current.lastStatus(), MeshCall.NO_FAILURE);
      }
      state = new UrlConnectionCall(url, oneShotBody);
      int capabilities =
          MeshCall.CAN_TLS
              | MeshCall.CAN_DELAY
              | MeshCall.CAN_RETRY
              | (oneShotBody ? MeshCall.ONE_SHOT_BODY : 0);
      UrlConnectionRequest request = new UrlConnectionRequest(connection, state);
      MeshCall call = MeshHooks.outbound(LIBRARY, capabilities, request);
      if (call == null) {
        return;
      }
      state.decided(call);
      if (call.action() != MeshCall.SEND || call.endpoint() == null) {
        // Local replies are not offered: a data path that answers anyway gets the request as the
        // application wrote it (the engine then sees it), and this call records nothing more.
        call.finish(0, -1, 0, 0);
        return;
      }
      park(call.delayNanos());
      call.requestHeaders(request);
      request.detach();
      limitTimeouts(connection, shortest(call.perTryTimeoutNanos(), call.timeoutNanos()));
      CALLS.put(connection, state);
    } catch (RuntimeException e) {
      // The connection's own API refused (it is already connected): leave it as written.
      if (state != null && state.call() != null) {
        CALLS.remove(connection, state);
        state.call().finish(0, -1, 0, 0);
      }
    }
  }

  /**
   * {@code HttpClient.New(URL, Proxy, int, boolean, HttpURLConnection)} entry: the endpoint's URL
   * for a connection on the direct path, else {@code url}. An application proxy keeps the request
   * as written: the proxy, not the mesh, then picks the server.
   */
  public static URL endpointUrl(URL url, Proxy proxy, HttpURLConnection connection) {
    if (connection == null || url == null || !MeshHooks.isInstalled()) {
      return url;
    }
    try {
      UrlConnectionCall state = CALLS.get(connection);
      if (state == null
          || !state.sameAuthority(url)
          || (proxy != null && proxy.type() != Proxy.Type.DIRECT)) {
        return url;
      }
      URL target = state.endpointUrl(url);
      state.connectTimeoutMillis(connection.getConnectTimeout());
      UrlConnectionSockets.endpointUrl(target, state);
      OPENING.set(state);
      return target;
    } catch (MalformedURLException | RuntimeException e) {
      return url;
    }
  }

  /**
   * {@code HttpClient.New} exit, normal or not. When the connect failed and the call grants a
   * retry, waits the back-off and returns the next endpoint's URL for the advice to run {@code New}
   * again; otherwise returns {@code null} and the application gets the JDK's exception.
   */
  public static URL opened(URL url, HttpURLConnection connection, Throwable thrown) {
    UrlConnectionCall state = OPENING.get();
    if (state == null) {
      return null;
    }
    OPENING.remove();
    if (!(thrown instanceof IOException)) {
      return null;
    }
    MeshCall call = state.call();
    int failure =
        thrown instanceof SocketTimeoutException ? MeshCall.TIMEOUT : MeshCall.CONNECT_FAILURE;
    state.attemptRecorded(true);
    boolean retry = call.attemptEnded(0, -1, failure);
    long timeout = call.timeoutNanos();
    if (retry && (timeout == 0 || state.elapsedNanos() + call.backOffNanos() < timeout)) {
      park(call.backOffNanos());
      state.attemptRecorded(false);
      try {
        URL next = state.endpointUrl(url);
        UrlConnectionSockets.endpointUrl(next, state);
        OPENING.set(state);
        return next;
      } catch (MalformedURLException | RuntimeException e) {
        // fall through: the connect's failure stands
      }
    }
    if (retry) {
      call.timedOut();
      endOnce(connection, state, 504);
    } else {
      end(connection, state, 0, failure);
    }
    return null;
  }

  /**
   * {@code followRedirect} exit when it follows nothing: the response's status is the attempt's
   * outcome. Returns whether to send the request again; the advice then discards the response and
   * lets the connection's own loop (the one that follows redirects) connect again, to the call's
   * next endpoint, and re-send the request and its buffered body. The back-off is waited here, with
   * the route's header changes for the next attempt applied (the advice lets the setters work).
   */
  public static boolean retryOnStatus(HttpURLConnection connection, int status) {
    if (connection == null || status <= 0 || !MeshHooks.isInstalled()) {
      return false;
    }
    UrlConnectionCall state = CALLS.get(connection);
    if (state == null) {
      return false;
    }
    return nextAttempt(connection, state, status, MeshCall.NO_FAILURE);
  }

  /**
   * {@code getInputStream0} exit with an exception and no response (the connection broke, or a read
   * timed out): returns whether to run the exchange again, on the call's next endpoint. The advice
   * then clears the failure the connection remembered and repeats the method.
   */
  public static boolean retryOnFailure(HttpURLConnection connection, Throwable thrown) {
    if (connection == null || !(thrown instanceof IOException) || !MeshHooks.isInstalled()) {
      return false;
    }
    UrlConnectionCall state = CALLS.get(connection);
    if (state == null) {
      return false;
    }
    int failure = thrown instanceof SocketTimeoutException ? MeshCall.TIMEOUT : MeshCall.RESET;
    return nextAttempt(connection, state, 0, failure);
  }

  /**
   * Gives the call the attempt's outcome; when it grants a retry that time and the body allow,
   * waits the back-off and readies the connection's headers and timeouts for the next attempt.
   */
  private static boolean nextAttempt(
      HttpURLConnection connection, UrlConnectionCall state, int status, int failure) {
    MeshCall call = state.call();
    state.attemptRecorded(true);
    if (!call.attemptEnded(status, -1, failure) || state.oneShotBody()) {
      return false;
    }
    long timeout = call.timeoutNanos();
    long left = timeout == 0 ? 0 : timeout - state.elapsedNanos() - call.backOffNanos();
    if (timeout > 0 && left <= 0) {
      // No time for another attempt: the application gets this outcome.
      return false;
    }
    park(call.backOffNanos());
    state.attemptRecorded(false);
    try {
      UrlConnectionRequest request = new UrlConnectionRequest(connection, state);
      call.requestHeaders(request);
      request.detach();
      limitTimeouts(connection, shortest(call.perTryTimeoutNanos(), left));
    } catch (RuntimeException e) {
      // The connection refused a header; the attempt goes as it is.
    }
    return true;
  }

  /** {@code followRedirect} entry: the status of the response the connection is looking at. */
  public static void responded(HttpURLConnection connection, int status) {
    if (connection == null || !MeshHooks.isInstalled()) {
      return;
    }
    UrlConnectionCall state = CALLS.get(connection);
    if (state != null) {
      state.responded(status);
    }
  }

  /**
   * {@code getInputStream0} exit, normal or not: the exchange is over for the mesh (the status is
   * what the application sees; a body it has not read yet is its own business). Only the outermost
   * {@code getInputStream0} of an exchange counts: the connection calls itself again ({@code
   * getResponseCode}, {@code getHeaderField}) and those answer from what the outer one set.
   */
  public static void exchangeEnded(HttpURLConnection connection, int status, Throwable thrown) {
    if (connection == null) {
      return;
    }
    UrlConnectionCall state = CALLS.get(connection);
    if (state == null) {
      return;
    }
    if (status > 0) {
      end(connection, state, status, MeshCall.NO_FAILURE);
    } else if (thrown != null) {
      end(
          connection,
          state,
          0,
          thrown instanceof SocketTimeoutException ? MeshCall.TIMEOUT : MeshCall.RESET);
    } else {
      // Answered by the application's ResponseCache: no status from the network.
      endOnce(connection, state, 0);
    }
  }

  /** {@code disconnect} entry: the application gave up before a status was known. */
  public static void disconnected(HttpURLConnection connection) {
    if (connection == null) {
      return;
    }
    UrlConnectionCall state = CALLS.get(connection);
    if (state != null && CALLS.remove(connection, state)) {
      state.call().cancelled();
      state.call().finish(0, -1, 0, 0);
    }
  }

  private static void abandoned(UrlConnectionCall state) {
    state.call().cancelled();
    state.call().finish(0, -1, 0, 0);
  }

  /** Calls with a decision and no finish yet; for tests. */
  static int openCalls() {
    return CALLS.size();
  }

  /** Records the last attempt and finishes the call, once. */
  private static void end(
      HttpURLConnection connection, UrlConnectionCall state, int status, int failure) {
    if (!CALLS.remove(connection, state)) {
      return;
    }
    MeshCall call = state.call();
    if (!state.attemptRecorded()) {
      call.attemptEnded(status, -1, failure);
    }
    if (failure == MeshCall.TIMEOUT) {
      call.timedOut();
      call.finish(504, -1, 0, 0);
    } else {
      // Every attempt failed to connect or broke: Envoy's 503 (UF/URX); else the status seen.
      call.finish(failure == MeshCall.NO_FAILURE ? status : 503, -1, 0, 0);
    }
  }

  /** Finishes the call without another attempt, once. */
  private static void endOnce(HttpURLConnection connection, UrlConnectionCall state, int status) {
    if (CALLS.remove(connection, state)) {
      state.call().finish(status, -1, 0, 0);
    }
  }

  /**
   * The route's per-try and overall timeouts as the connection's connect and read timeouts, where
   * they are shorter than the application's: the application then gets the {@link
   * SocketTimeoutException} it knows. The overall timeout bounds each wait, not their sum.
   */
  private static void limitTimeouts(HttpURLConnection connection, long nanos) {
    if (nanos <= 0) {
      return;
    }
    int millis =
        (int)
            Math.min(
                Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
    int connect = connection.getConnectTimeout();
    if (connect == 0 || connect > millis) {
      connection.setConnectTimeout(millis);
    }
    int read = connection.getReadTimeout();
    if (read == 0 || read > millis) {
      connection.setReadTimeout(millis);
    }
  }

  private static long shortest(long a, long b) {
    if (a <= 0) {
      return b;
    }
    return b <= 0 ? a : Math.min(a, b);
  }

  /** Waits on the caller's thread (a synchronous API); an interrupt ends the wait early. */
  private static void park(long nanos) {
    if (nanos <= 0) {
      return;
    }
    long deadline = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }
}
