package dev.jmesh.dataplane.route;

import java.util.List;

/**
 * A route's fault injection (Envoy {@code HTTPFault}) as configured; the data path executes it.
 * Shares are per million so that a caller draws one uniform number in {@code [0, 1_000_000)} per
 * fault. Evaluating allocates nothing.
 *
 * <p>With {@code header_delay} or {@code header_abort} the request itself says what to inject, as
 * Envoy's fault filter reads it: {@code x-envoy-fault-delay-request} (milliseconds), {@code
 * x-envoy-fault-abort-request} (HTTP status), {@code x-envoy-fault-abort-grpc-request} (gRPC
 * status); {@code x-envoy-fault-delay-request-percentage} and {@code
 * x-envoy-fault-abort-request-percentage} lower the configured share (in units of its denominator),
 * never raise it.
 *
 * <pre>{@code
 * long delay = fault.delayNanos(request, draw1);          // -1: none; schedule a timer otherwise
 * int status = fault.abortHttpStatus(request, draw2);     // 0: none
 * int grpc = status == 0 ? fault.abortGrpcStatus(request, draw2) : -1;
 * }</pre>
 *
 * @param delayNanos fixed delay, 0 for none unless {@code headerDelay}
 * @param headerDelay whether the delay comes from the request's header
 * @param delayPerMillion share of requests delayed
 * @param delayUnitPerMillion the configured denominator's unit in parts per million (10,000 for
 *     HUNDRED), to read the percentage header
 * @param abortHttpStatus HTTP status of an abort, 0 for none
 * @param abortGrpcStatus gRPC status of an abort, -1 for none
 * @param headerAbort whether the abort status comes from the request's header
 * @param abortPerMillion share of requests aborted
 * @param abortUnitPerMillion the abort denominator's unit, as {@code delayUnitPerMillion}
 * @param headers the fault applies only to requests matching every one of these
 */
public record FaultPolicy(
    long delayNanos,
    boolean headerDelay,
    int delayPerMillion,
    int delayUnitPerMillion,
    int abortHttpStatus,
    int abortGrpcStatus,
    boolean headerAbort,
    int abortPerMillion,
    int abortUnitPerMillion,
    List<HeaderMatch> headers) {

  static final String DELAY_HEADER = "x-envoy-fault-delay-request";
  static final String DELAY_PERCENTAGE_HEADER = "x-envoy-fault-delay-request-percentage";
  static final String ABORT_HEADER = "x-envoy-fault-abort-request";
  static final String ABORT_GRPC_HEADER = "x-envoy-fault-abort-grpc-request";
  static final String ABORT_PERCENTAGE_HEADER = "x-envoy-fault-abort-request-percentage";

  public FaultPolicy {
    headers = List.copyOf(headers);
  }

  /** A fixed delay and/or a fixed abort for every request, shares per million. */
  public static FaultPolicy of(
      long delayNanos,
      int delayPerMillion,
      int abortHttpStatus,
      int abortGrpcStatus,
      int abortPerMillion) {
    return new FaultPolicy(
        delayNanos,
        false,
        delayPerMillion,
        1,
        abortHttpStatus,
        abortGrpcStatus,
        false,
        abortPerMillion,
        1,
        List.of());
  }

  /** Whether the request matches the fault's header matchers. */
  public boolean applies(RequestView request) {
    for (int i = 0; i < headers.size(); i++) {
      if (!headers.get(i).matches(request)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The delay for a request whose uniform draw in {@code [0, 1_000_000)} is {@code draw}; -1 when
   * it is not delayed.
   */
  public long delayNanos(RequestView request, int draw) {
    if (!headerDelay && delayNanos <= 0) {
      return -1;
    }
    if (draw >= share(request, delayPerMillion, delayUnitPerMillion, DELAY_PERCENTAGE_HEADER)
        || !applies(request)) {
      return -1;
    }
    if (!headerDelay) {
      return delayNanos;
    }
    long millis = number(request.header(DELAY_HEADER));
    return millis < 0 ? -1 : millis * 1_000_000L;
  }

  /** The HTTP status to abort with for a request drawing {@code draw}; 0 when not aborted. */
  public int abortHttpStatus(RequestView request, int draw) {
    if (!aborts(request, draw)) {
      return 0;
    }
    if (!headerAbort) {
      return abortHttpStatus;
    }
    long status = number(request.header(ABORT_HEADER));
    return status >= 200 && status < 600 ? (int) status : 0;
  }

  /** The gRPC status to abort with for a request drawing {@code draw}; -1 when not aborted. */
  public int abortGrpcStatus(RequestView request, int draw) {
    if (!aborts(request, draw)) {
      return -1;
    }
    if (!headerAbort) {
      return abortGrpcStatus;
    }
    long status = number(request.header(ABORT_GRPC_HEADER));
    return status >= 0 && status <= Integer.MAX_VALUE ? (int) status : -1;
  }

  private boolean aborts(RequestView request, int draw) {
    if (!headerAbort && abortHttpStatus == 0 && abortGrpcStatus < 0) {
      return false;
    }
    return draw < share(request, abortPerMillion, abortUnitPerMillion, ABORT_PERCENTAGE_HEADER)
        && applies(request);
  }

  /** The configured share, lowered by the request's percentage header when it sends one. */
  private static int share(RequestView request, int configured, int unit, String header) {
    long requested = number(request.header(header));
    if (requested < 0) {
      return configured;
    }
    return (int) Math.min(configured, requested * unit);
  }

  /** A non-negative decimal number without allocating; -1 when absent or not a number. */
  static long number(String s) {
    if (s == null) {
      return -1;
    }
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == ' ') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == ' ') {
      end--;
    }
    if (start == end || end - start > 12) {
      return -1;
    }
    long n = 0;
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
