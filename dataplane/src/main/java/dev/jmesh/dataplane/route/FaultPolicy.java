package dev.jmesh.dataplane.route;

/**
 * A route's fault injection (Envoy {@code HTTPFault}) as configured; the data path executes it.
 * Percentages are per million so that a caller draws one random number per fault.
 *
 * @param delayNanos fixed delay, 0 for none
 * @param delayPerMillion share of requests delayed
 * @param abortHttpStatus HTTP status of an abort, 0 for none
 * @param abortGrpcStatus gRPC status of an abort, -1 for none
 * @param abortPerMillion share of requests aborted
 */
public record FaultPolicy(
    long delayNanos,
    int delayPerMillion,
    int abortHttpStatus,
    int abortGrpcStatus,
    int abortPerMillion) {

  /** Whether a request whose uniform draw in {@code [0, 1_000_000)} is {@code draw} is delayed. */
  public boolean delays(int draw) {
    return delayNanos > 0 && draw < delayPerMillion;
  }

  /** Whether a request whose uniform draw in {@code [0, 1_000_000)} is {@code draw} is aborted. */
  public boolean aborts(int draw) {
    return (abortHttpStatus > 0 || abortGrpcStatus >= 0) && draw < abortPerMillion;
  }
}
