package dev.jmesh.dataplane.route;

import java.util.List;
import java.util.Set;

/**
 * A route's retry policy as configured (Envoy {@code RetryPolicy}); the data path executes it.
 *
 * @param retryOn the {@code retry_on} conditions, e.g. {@code 5xx}, {@code reset}, {@code
 *     unavailable}
 * @param numRetries retries after the first attempt
 * @param perTryTimeoutNanos timeout of each attempt, 0 for the route's timeout
 * @param backoffBaseNanos base interval of the jittered exponential back-off
 * @param backoffMaxNanos its cap
 * @param retriableStatusCodes statuses retried under {@code retriable-status-codes}
 * @param otherHost whether a retry avoids hosts already tried ({@code previous_hosts})
 * @param hostSelectionRetryMaxAttempts how often a host is re-picked to avoid a previous one
 */
public record RetryPolicy(
    Set<String> retryOn,
    int numRetries,
    long perTryTimeoutNanos,
    long backoffBaseNanos,
    long backoffMaxNanos,
    List<Integer> retriableStatusCodes,
    boolean otherHost,
    long hostSelectionRetryMaxAttempts) {

  /** The conditions Envoy's router accepts in {@code retry_on} that jmesh implements. */
  public static final Set<String> SUPPORTED_CONDITIONS =
      Set.of(
          "5xx",
          "gateway-error",
          "reset",
          "connect-failure",
          "retriable-4xx",
          "refused-stream",
          "retriable-status-codes",
          "cancelled",
          "deadline-exceeded",
          "internal",
          "resource-exhausted",
          "unavailable");

  public RetryPolicy {
    retryOn = Set.copyOf(retryOn);
    retriableStatusCodes = List.copyOf(retriableStatusCodes);
  }
}
