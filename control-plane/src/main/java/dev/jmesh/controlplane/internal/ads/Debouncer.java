package dev.jmesh.controlplane.internal.ads;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Coalesces bursts of changes: the action runs once the triggers have been quiet for
 * {@code quiet}, and at the latest {@code max} after the first trigger of a burst, so a
 * steady trickle of changes cannot postpone a push for ever.
 */
public final class Debouncer {
  private final ScheduledExecutorService executor;
  private final long quietNanos;
  private final long maxNanos;
  private final Runnable action;
  private ScheduledFuture<?> pending;
  private long burstStart;

  public Debouncer(ScheduledExecutorService executor, Duration quiet, Duration max,
      Runnable action) {
    this.executor = executor;
    this.quietNanos = quiet.toNanos();
    this.maxNanos = max.toNanos();
    this.action = action;
  }

  public synchronized void trigger() {
    long now = System.nanoTime();
    if (pending == null) {
      burstStart = now;
    } else if (!pending.cancel(false)) {
      // Already running: this change needs a run of its own.
      burstStart = now;
    }
    long delay = Math.min(quietNanos, Math.max(0, burstStart + maxNanos - now));
    pending = executor.schedule(this::run, delay, TimeUnit.NANOSECONDS);
  }

  private void run() {
    synchronized (this) {
      pending = null;
    }
    action.run();
  }
}
