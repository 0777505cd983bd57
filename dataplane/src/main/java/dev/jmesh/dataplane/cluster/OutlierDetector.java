package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.OutlierDetectionConfig;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Envoy's consecutive-error outlier detection for one cluster. Outcomes feed per-host counters;
 * when one reaches its threshold the host is ejected at once, as Envoy does inline, if the
 * threshold's enforcement percentage allows and the ejected hosts, this one included, stay within
 * {@code max_ejection_percent} (or none is ejected yet and {@code always_eject_one_host} is set). A
 * passed active health check brings a host back unless {@code
 * successful_active_health_check_uneject_host} is false. {@link #sweep(long)}, run every {@code
 * interval}, brings a host back after {@code base_ejection_time × backoff} (at most {@code
 * max_ejection_time}); the backoff grows with each ejection and shrinks by one for each interval
 * the host then stays in.
 */
final class OutlierDetector {

  private final OutlierDetectionConfig config;
  private final UpstreamCluster cluster;
  private final LongSupplier clock;
  private final AtomicInteger ejectedCount;

  OutlierDetector(
      OutlierDetectionConfig config,
      UpstreamCluster cluster,
      LongSupplier clock,
      AtomicInteger ejectedCount) {
    this.config = config;
    this.cluster = cluster;
    this.clock = clock;
    this.ejectedCount = ejectedCount;
  }

  OutlierDetectionConfig config() {
    return config;
  }

  void onResponse(Host h, int status) {
    if (config.splitExternalLocalOriginErrors()) {
      // A response proves the connection worked.
      reset(h.consecutiveLocalOriginFailure);
    }
    count(h, status);
  }

  void onLocalFailure(Host h, LocalFailure failure) {
    if (config.splitExternalLocalOriginErrors()) {
      if (h.consecutiveLocalOriginFailure.incrementAndGet()
          == config.consecutiveLocalOriginFailure()) {
        reset(h.consecutiveLocalOriginFailure);
        maybeEject(h, config.enforcingConsecutiveLocalOriginFailure());
      }
      return;
    }
    // Envoy maps local-origin errors to the status a gateway would have answered.
    count(h, failure == LocalFailure.TIMEOUT ? 504 : 503);
  }

  void onLocalSuccess(Host h) {
    if (config.splitExternalLocalOriginErrors()) {
      reset(h.consecutiveLocalOriginFailure);
    } else {
      count(h, 200);
    }
  }

  private void count(Host h, int status) {
    if (status >= 500 && status < 600) {
      if (status >= 502 && status <= 504) {
        if (h.consecutiveGatewayFailure.incrementAndGet() == config.consecutiveGatewayFailure()) {
          reset(h.consecutiveGatewayFailure);
          maybeEject(h, config.enforcingConsecutiveGatewayFailure());
        }
      } else {
        reset(h.consecutiveGatewayFailure);
      }
      if (h.consecutive5xx.incrementAndGet() == config.consecutive5xx()) {
        reset(h.consecutive5xx);
        maybeEject(h, config.enforcingConsecutive5xx());
      }
    } else {
      reset(h.consecutive5xx);
      reset(h.consecutiveGatewayFailure);
    }
  }

  /** Writes only when needed, so a healthy host's counters stay in every core's cache. */
  private static void reset(AtomicInteger counter) {
    if (counter.get() != 0) {
      counter.set(0);
    }
  }

  private void maybeEject(Host h, int enforcingPercent) {
    if (h.ejected() || enforcingPercent == 0) {
      return;
    }
    if (enforcingPercent < 100 && ThreadLocalRandom.current().nextInt(100) >= enforcingPercent) {
      return;
    }
    int hosts = cluster.hostCount();
    while (true) {
      int ejected = ejectedCount.get();
      boolean withinLimit = 100L * (ejected + 1) <= (long) config.maxEjectionPercent() * hosts;
      if (!withinLimit && !(config.alwaysEjectOneHost() && ejected == 0)) {
        return;
      }
      if (ejectedCount.compareAndSet(ejected, ejected + 1)) {
        break;
      }
    }
    synchronized (h) {
      if (!h.markEjected(
          clock.getAsLong(), config.baseEjectionTimeNanos(), config.maxEjectionTimeNanos())) {
        ejectedCount.decrementAndGet();
        return;
      }
    }
    cluster.healthChanged();
  }

  /** An active health check passed: Envoy's default brings an ejected host back. */
  boolean onHealthCheckPassed(Host h, long nowNanos) {
    if (!config.successfulActiveHealthCheckUnejectHost()) {
      return false;
    }
    synchronized (h) {
      if (!h.ejected()) {
        return false;
      }
      h.markUnejected(nowNanos);
      ejectedCount.decrementAndGet();
    }
    return true;
  }

  /** Brings back hosts whose ejection time is over; run every {@code interval}. */
  void sweep(long nowNanos) {
    boolean changed = false;
    long maxTime = Math.max(config.maxEjectionTimeNanos(), config.baseEjectionTimeNanos());
    for (Host h : cluster.hostArray()) {
      synchronized (h) {
        if (!h.ejected()) {
          h.decayBackoff(nowNanos, config.intervalNanos());
          continue;
        }
        long duration = Math.min(config.baseEjectionTimeNanos() * h.ejectionBackoff(), maxTime);
        if (nowNanos - h.ejectedAtNanos() >= duration) {
          h.markUnejected(nowNanos);
          ejectedCount.decrementAndGet();
          changed = true;
        }
      }
    }
    if (changed) {
      cluster.healthChanged();
    }
  }
}
