package dev.jmesh.controlplane.internal.ads;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the ADS server, exported on {@code /metrics}. */
public final class AdsMetrics {
  final LongAdder pushes = new LongAdder();
  final LongAdder acks = new LongAdder();
  final LongAdder nacks = new LongAdder();
  final LongAdder connections = new LongAdder();

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
}
