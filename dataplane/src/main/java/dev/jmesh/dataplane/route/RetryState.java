package dev.jmesh.dataplane.route;

import java.util.Set;

/**
 * The retries of one request under a {@link RetryPolicy}: whether an attempt's outcome is retried
 * and how long to back off first. Mutable and reusable: a caller keeps one per in-flight request
 * (or per thread for blocking clients) and {@link #reset}s it, so deciding allocates nothing. Not
 * thread-safe.
 *
 * <p>The conditions follow Envoy's router: {@code 5xx} covers any 5xx status and every failure
 * without a response (connect failure, reset, refused stream, per-try timeout); {@code
 * gateway-error} covers 502, 503, 504 and the same failures; {@code reset} covers failures without
 * a response; {@code connect-failure} and {@code refused-stream} only theirs; {@code retriable-4xx}
 * is 409; {@code retriable-status-codes} the policy's list; the gRPC conditions read the {@code
 * grpc-status} of the response. The back-off is Envoy's fully jittered exponential one: a uniform
 * draw below {@code base × 2^n}, capped at {@code max}.
 *
 * <p>The caller also checks the cluster's {@code max_retries} circuit breaker before retrying, and
 * retries only a request whose body it still holds (buffered up to {@link #BODY_BUFFER_LIMIT}).
 *
 * <pre>{@code
 * state.reset(route.retryPolicy());
 * while (true) {
 *   Outcome o = attempt();
 *   if (!state.shouldRetry(o.status(), o.grpcStatus(), o.failure())) break;
 *   timer.schedule(retry, state.backOffNanos(random.nextLong()));
 * }
 * }</pre>
 */
public final class RetryState {

  /** The largest request body kept for replay: Envoy's default per-request buffer limit, 1 MiB. */
  public static final int BODY_BUFFER_LIMIT = 1 << 20;

  private static final int RETRY_5XX = 1;
  private static final int RETRY_GATEWAY = 1 << 1;
  private static final int RETRY_RESET = 1 << 2;
  private static final int RETRY_CONNECT = 1 << 3;
  private static final int RETRY_4XX = 1 << 4;
  private static final int RETRY_REFUSED = 1 << 5;
  private static final int RETRY_CODES = 1 << 6;
  private static final int GRPC_CANCELLED = 1 << 7;
  private static final int GRPC_DEADLINE = 1 << 8;
  private static final int GRPC_INTERNAL = 1 << 9;
  private static final int GRPC_EXHAUSTED = 1 << 10;
  private static final int GRPC_UNAVAILABLE = 1 << 11;

  /**
   * The policy parsed last by any state, with its conditions. A direct path's request has a state
   * of its own, new each time, and most requests of a workload share a route: they find their
   * policy here instead of matching its condition names again.
   */
  private static volatile Parsed lastParsed;

  private record Parsed(RetryPolicy policy, int conditions) {}

  private RetryPolicy policy;
  private int conditions;
  private int retriesLeft;
  private long nextIntervalNanos;

  /** Starts the retries of a new request; {@code policy} {@code null} means no retries. */
  public void reset(RetryPolicy policy) {
    if (policy == null) {
      this.policy = null;
      conditions = 0;
      retriesLeft = 0;
      return;
    }
    if (policy != this.policy) {
      // Parsed once per policy a state meets, so a reused state allocates nothing.
      Parsed last = lastParsed;
      if (last == null || last.policy != policy) {
        last = new Parsed(policy, conditions(policy.retryOn()));
        lastParsed = last;
      }
      conditions = last.conditions;
      this.policy = policy;
    }
    retriesLeft = policy.numRetries();
    nextIntervalNanos = policy.backoffBaseNanos();
  }

  /** Retries this request may still make. */
  public int retriesLeft() {
    return retriesLeft;
  }

  /**
   * Whether an attempt that ended with {@code status} (0 for none), {@code grpcStatus} (-1 for
   * none) and {@code failure} is retried; if so one retry is used up.
   */
  public boolean shouldRetry(int status, int grpcStatus, UpstreamFailure failure) {
    if (retriesLeft <= 0 || !retriable(status, grpcStatus, failure)) {
      return false;
    }
    retriesLeft--;
    return true;
  }

  /**
   * Whether the policy retries such an outcome, whatever retries are left; {@code false} without a
   * policy.
   */
  public boolean retriable(int status, int grpcStatus, UpstreamFailure failure) {
    if (policy == null) {
      return false;
    }
    switch (failure) {
      case CONNECT_FAILURE:
        return (conditions & (RETRY_5XX | RETRY_GATEWAY | RETRY_RESET | RETRY_CONNECT)) != 0;
      case REFUSED_STREAM:
        return (conditions & (RETRY_5XX | RETRY_GATEWAY | RETRY_RESET | RETRY_REFUSED)) != 0;
      case RESET:
      case PER_TRY_TIMEOUT:
        return (conditions & (RETRY_5XX | RETRY_GATEWAY | RETRY_RESET)) != 0;
      default:
        break;
    }
    if ((conditions & RETRY_5XX) != 0 && status >= 500 && status <= 599) {
      return true;
    }
    if ((conditions & RETRY_GATEWAY) != 0 && status >= 502 && status <= 504) {
      return true;
    }
    if ((conditions & RETRY_4XX) != 0 && status == 409) {
      return true;
    }
    if ((conditions & RETRY_CODES) != 0 && listed(policy.retriableStatusCodes(), status)) {
      return true;
    }
    switch (grpcStatus) {
      case 1:
        return (conditions & GRPC_CANCELLED) != 0;
      case 4:
        return (conditions & GRPC_DEADLINE) != 0;
      case 8:
        return (conditions & GRPC_EXHAUSTED) != 0;
      case 13:
        return (conditions & GRPC_INTERNAL) != 0;
      case 14:
        return (conditions & GRPC_UNAVAILABLE) != 0;
      default:
        return false;
    }
  }

  /**
   * The back-off before the retry just granted, from a uniformly drawn {@code random}: below the
   * current interval, which then doubles up to the policy's maximum.
   */
  public long backOffNanos(long random) {
    long interval = nextIntervalNanos;
    long max = policy.backoffMaxNanos();
    nextIntervalNanos = interval < max / 2 ? interval * 2 : max;
    return Math.min(Long.remainderUnsigned(random, interval), max);
  }

  private static boolean listed(java.util.List<Integer> codes, int status) {
    for (int i = 0; i < codes.size(); i++) {
      if (codes.get(i) == status) {
        return true;
      }
    }
    return false;
  }

  private static int conditions(Set<String> retryOn) {
    int c = 0;
    for (String on : retryOn) {
      switch (on) {
        case "5xx":
          c |= RETRY_5XX;
          break;
        case "gateway-error":
          c |= RETRY_GATEWAY;
          break;
        case "reset":
          c |= RETRY_RESET;
          break;
        case "connect-failure":
          c |= RETRY_CONNECT;
          break;
        case "retriable-4xx":
          c |= RETRY_4XX;
          break;
        case "refused-stream":
          c |= RETRY_REFUSED;
          break;
        case "retriable-status-codes":
          c |= RETRY_CODES;
          break;
        case "cancelled":
          c |= GRPC_CANCELLED;
          break;
        case "deadline-exceeded":
          c |= GRPC_DEADLINE;
          break;
        case "internal":
          c |= GRPC_INTERNAL;
          break;
        case "resource-exhausted":
          c |= GRPC_EXHAUSTED;
          break;
        case "unavailable":
          c |= GRPC_UNAVAILABLE;
          break;
        default:
          throw new IllegalArgumentException("retry_on condition " + on + " not supported");
      }
    }
    return c;
  }
}
