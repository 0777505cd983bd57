package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.CircuitBreakerThresholds;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster's circuit breakers: lock-free counts of open connections, pending requests, active
 * requests and active retries against Envoy's thresholds. A {@code tryAcquire*} that returns {@code
 * false} is an overflow: the caller fails the request with Envoy's {@code UO} flag and must not
 * call the matching {@code release*}. Counts survive CDS updates; limits follow them.
 *
 * <pre>{@code
 * if (!cluster.circuitBreaker().tryAcquireRequest()) {
 *   return overflow(); // 503, response flag UO
 * }
 * try {
 *   send();
 * } finally {
 *   cluster.circuitBreaker().releaseRequest();
 * }
 * }</pre>
 */
public final class CircuitBreaker {

  private volatile CircuitBreakerThresholds limits;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong pendingRequests = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong overflows = new AtomicLong();

  CircuitBreaker(CircuitBreakerThresholds limits) {
    this.limits = limits;
  }

  void limits(CircuitBreakerThresholds l) {
    limits = l;
  }

  public CircuitBreakerThresholds limits() {
    return limits;
  }

  public boolean tryAcquireConnection() {
    return acquire(connections, limits.maxConnections());
  }

  public void releaseConnection() {
    connections.decrementAndGet();
  }

  public boolean tryAcquirePendingRequest() {
    return acquire(pendingRequests, limits.maxPendingRequests());
  }

  public void releasePendingRequest() {
    pendingRequests.decrementAndGet();
  }

  public boolean tryAcquireRequest() {
    return acquire(requests, limits.maxRequests());
  }

  public void releaseRequest() {
    requests.decrementAndGet();
  }

  public boolean tryAcquireRetry() {
    return acquire(retries, limits.maxRetries());
  }

  public void releaseRetry() {
    retries.decrementAndGet();
  }

  public long activeConnections() {
    return connections.get();
  }

  public long pendingRequests() {
    return pendingRequests.get();
  }

  public long activeRequests() {
    return requests.get();
  }

  public long activeRetries() {
    return retries.get();
  }

  /** How many acquisitions were refused, of any kind (Envoy's {@code upstream_*_overflow}). */
  public long overflows() {
    return overflows.get();
  }

  private boolean acquire(AtomicLong count, long max) {
    while (true) {
      long n = count.get();
      if (n >= max) {
        overflows.incrementAndGet();
        return false;
      }
      if (count.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }
}
