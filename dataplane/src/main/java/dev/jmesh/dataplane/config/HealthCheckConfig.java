package dev.jmesh.dataplane.config;

import java.util.List;

/**
 * One of Envoy's {@code health_checks}: an HTTP GET of {@link #path()} or a bare TCP connect, every
 * {@link #intervalNanos()}.
 *
 * @param timeoutNanos how long one check may take
 * @param intervalNanos time between checks of a host
 * @param unhealthyThreshold consecutive failures that mark a healthy host unhealthy
 * @param healthyThreshold consecutive successes that mark an unhealthy host healthy (a host's first
 *     check needs one, as in Envoy)
 * @param kind HTTP or TCP
 * @param host the HTTP {@code Host} header; empty for the cluster name, as Envoy does
 * @param path the HTTP path; {@code null} for TCP
 * @param expectedStatuses healthy HTTP statuses as {@code [start, end)} pairs; Envoy's default is
 *     200 only
 */
public record HealthCheckConfig(
    long timeoutNanos,
    long intervalNanos,
    int unhealthyThreshold,
    int healthyThreshold,
    Kind kind,
    String host,
    String path,
    List<StatusRange> expectedStatuses) {

  /** What a check does. */
  public enum Kind {
    HTTP,
    TCP
  }

  /**
   * A half-open range of HTTP statuses, Envoy's {@code Int64Range}.
   *
   * @param start inclusive
   * @param end exclusive
   */
  public record StatusRange(int start, int end) {}

  /** Envoy's default when {@code expected_statuses} is empty: 200 only. */
  public static final List<StatusRange> DEFAULT_EXPECTED = List.of(new StatusRange(200, 201));

  public HealthCheckConfig {
    expectedStatuses = List.copyOf(expectedStatuses);
  }

  /** Whether an HTTP response with {@code status} counts as healthy. */
  public boolean expects(int status) {
    for (StatusRange r : expectedStatuses) {
      if (status >= r.start() && status < r.end()) {
        return true;
      }
    }
    return false;
  }
}
