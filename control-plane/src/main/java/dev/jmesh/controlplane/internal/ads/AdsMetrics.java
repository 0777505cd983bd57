package dev.jmesh.controlplane.internal.ads;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the ADS server, exported on {@code /metrics}. */
public final class AdsMetrics {
  /** Istio's buckets for {@code pilot_proxy_convergence_time}, in seconds. */
  public static final double[] CONVERGENCE_BUCKETS = {0.1, 0.5, 1, 3, 5, 10, 20, 30};

  final LongAdder pushes = new LongAdder();
  final LongAdder acks = new LongAdder();
  final LongAdder nacks = new LongAdder();
  final LongAdder connections = new LongAdder();
  private final AtomicLongArray convergenceBuckets =
      new AtomicLongArray(CONVERGENCE_BUCKETS.length + 1);
  private final LongAdder convergenceCount = new LongAdder();
  private final LongAdder convergenceNanos = new LongAdder();
  private volatile long changedVersion = -1;
  private volatile long changedAtNanos;

  public long pushes() {
    return pushes.sum();
  }

  public long acks() {
    return acks.sum();
  }

  public long nacks() {
    return nacks.sum();
  }

  public long connectionsTotal() {
    return connections.sum();
  }

  /** Marks when a config version came into force, to time the proxies' ACKs of it. */
  void configChanged(long version) {
    changedAtNanos = System.nanoTime();
    changedVersion = version;
  }

  /** A proxy ACKed a response of {@code version} for the first time. */
  void acked(String version) {
    long v = changedVersion;
    if (v < 0 || !version.equals(String.valueOf(v))) {
      return;
    }
    long nanos = System.nanoTime() - changedAtNanos;
    double seconds = nanos / 1e9;
    int i = 0;
    while (i < CONVERGENCE_BUCKETS.length && seconds > CONVERGENCE_BUCKETS[i]) {
      i++;
    }
    convergenceBuckets.incrementAndGet(i);
    convergenceCount.increment();
    convergenceNanos.add(nanos);
  }

  /** Count of observations at or below each bucket bound (cumulative), then the total. */
  public long[] convergenceCumulative() {
    long[] out = new long[CONVERGENCE_BUCKETS.length + 1];
    long sum = 0;
    for (int i = 0; i < out.length; i++) {
      sum += convergenceBuckets.get(i);
      out[i] = sum;
    }
    return out;
  }

  public long convergenceCount() {
    return convergenceCount.sum();
  }

  public double convergenceSeconds() {
    return convergenceNanos.sum() / 1e9;
  }
}
