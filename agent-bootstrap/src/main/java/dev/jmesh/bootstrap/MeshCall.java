package dev.jmesh.bootstrap;

import javax.net.ssl.SSLContext;

/**
 * One outbound request on a direct path: the data path's decision for it and the record of its
 * attempts. A direct-path instrumentation gets one from {@link MeshHooks#outbound} and drives it
 * like this (an asynchronous library waits on {@link MeshHooks#schedule}, never on a sleeping
 * thread):
 *
 * <pre>{@code
 * MeshCall call = MeshHooks.outbound("okhttp", MeshCall.CAN_TLS | MeshCall.CAN_RETRY, view);
 * if (call == null) return proceedUntouched();      // not a mesh request, or the engine's
 * wait(call.delayNanos());                          // a fault delay, 0 for none
 * if (call.action() == MeshCall.REPLY) {
 *   call.finish(call.replyStatus(), -1, 0, 0);
 *   return localResponse(call.replyStatus(), call.replyBody());
 * }
 * while (true) {
 *   call.requestHeaders(headersOfTheCopy);          // route changes, peer metadata, trace
 *   Outcome o = send(copyTo(call.endpoint()), call.tls(), call.perTryTimeoutNanos());
 *   if (!call.attemptEnded(o.status, -1, o.failure)) break;
 *   wait(call.backOffNanos());                      // then send again: endpoint() moved on
 * }
 * call.finish(o.status, -1, bytesIn, bytesOut);
 * }</pre>
 *
 * <p>Not thread-safe: one request's steps happen one after another, whichever threads run them.
 * Every method is safe to call after a data-path failure (it then does nothing useful), so an
 * instrumentation never needs its own try/catch around a call it already made.
 */
public interface MeshCall {

  /** {@link #action()}: send the request to {@link #endpoint()}. */
  int SEND = 1;

  /** {@link #action()}: answer locally with {@link #replyStatus()} — abort, no route, overflow… */
  int REPLY = 2;

  /** A capability: the library can put TLS on its own connection ({@link #tls()}). */
  int CAN_TLS = 1;

  /**
   * A capability: the library can send a request again after a retriable outcome. Without it, a
   * route with a retry policy goes through the engine, which can.
   */
  int CAN_RETRY = 2;

  /** A capability: the library can answer the application with a local response. */
  int CAN_REPLY = 4;

  /** A capability: the library can wait for a fault delay (on a timer when it is asynchronous). */
  int CAN_DELAY = 8;

  /**
   * About this request: its body cannot be sent twice (a stream, or larger than {@link
   * #replayLimit()}). It goes direct with retries off, as Envoy does for a body that outgrows its
   * retry buffer.
   */
  int ONE_SHOT_BODY = 16;

  /** {@link #attemptEnded} failure: a response arrived (its status says how it went). */
  int NO_FAILURE = 0;

  /** {@link #attemptEnded} failure: the connection could not be made. */
  int CONNECT_FAILURE = 1;

  /** {@link #attemptEnded} failure: the connection broke before the response was complete. */
  int RESET = 2;

  /** {@link #attemptEnded} failure: the attempt's timeout passed ({@link #perTryTimeoutNanos()}). */
  int TIMEOUT = 3;

  /** {@link #SEND} or {@link #REPLY}. */
  int action();

  /**
   * The endpoint of the current attempt: connect here, keep the application's {@code Host} (or
   * {@code :authority}). Changes when {@link #attemptEnded} grants a retry.
   */
  MeshEndpointAddress endpoint();

  /**
   * The TLS of the current attempt's connection: the workload's certificate, checking the server's
   * SPIFFE ID (there is no host name to check; the endpoint is an IP). {@code null} for plaintext.
   * Contexts are long-lived and shared; each handshake presents the current certificate.
   */
  SSLContext tls();

  /** A fault delay to wait before sending (or replying), in nanoseconds; 0 for none. */
  long delayNanos();

  /** The timeout of one attempt, 0 for none. */
  long perTryTimeoutNanos();

  /** The timeout of the whole request, retries included, 0 for none. */
  long timeoutNanos();

  /**
   * Whether the route may retry this request: then a body that can be replayed should be kept (up
   * to {@link #replayLimit()} bytes) so that another attempt can send it again.
   */
  boolean mayRetry();

  /** The most bytes of a request body worth keeping for a retry. */
  int replayLimit();

  /** Applies the request's header changes for the current attempt to {@code headers}. */
  void requestHeaders(MeshHeaders headers);

  /** Applies the route's response header changes to {@code headers}. */
  void responseHeaders(MeshHeaders headers);

  /** The HTTP status of a {@link #REPLY}; 0 when it is a gRPC status instead. */
  int replyStatus();

  /** The gRPC status of a {@link #REPLY}, -1 for none. */
  int replyGrpcStatus();

  /** The body of a {@link #REPLY} (Envoy's text for its local replies), never null. */
  String replyBody();

  /** The {@code Location} of a redirect {@link #REPLY}, else {@code null}. */
  String replyLocation();

  /**
   * The current attempt ended with {@code status} (0 when there was no response), {@code
   * grpcStatus} (-1 for none) and {@code failure} ({@link #NO_FAILURE}, {@link #CONNECT_FAILURE},
   * {@link #RESET}, {@link #TIMEOUT}). Call it when the response's status is known, before the
   * application reads its body. Returns whether to retry: then discard this response, wait {@link
   * #backOffNanos()} and send again to the new {@link #endpoint()}.
   */
  boolean attemptEnded(int status, int grpcStatus, int failure);

  /** The wait before the retry {@link #attemptEnded} granted, in nanoseconds. */
  long backOffNanos();

  /** The whole request's timeout passed: records it (flag UT); {@link #finish} comes next. */
  void timedOut();

  /** The application cancelled the request: records it (flag DC); {@link #finish} comes next. */
  void cancelled();

  /** The request is over: records and counts it. Call exactly once, whatever happened. */
  void finish(int status, int grpcStatus, long bytesReceived, long bytesSent);
}
