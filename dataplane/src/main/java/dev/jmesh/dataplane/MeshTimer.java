package dev.jmesh.dataplane;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The mesh's one timer thread, for fault delays, retry back-offs and timeouts: waiting is a
 * scheduled task, never a sleeping application thread or event loop. The thread starts with the
 * first task and is an agent daemon (see {@link MeshThreads}).
 *
 * <pre>{@code
 * timer.delay(fault.delayNanos(request, draw)).thenRun(() -> forward(request));
 * }</pre>
 */
public final class MeshTimer {

  private final ScheduledThreadPoolExecutor executor;

  public MeshTimer() {
    executor = new ScheduledThreadPoolExecutor(1, MeshThreads.factory("timer"));
    // A cancelled timeout must not stay queued until its deadline.
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Runs {@code task} on the timer thread after {@code nanos}; keep it short or hand it on. */
  public ScheduledFuture<?> schedule(Runnable task, long nanos) {
    return executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
  }

  /** A future completed on the timer thread after {@code nanos}. */
  public CompletableFuture<Void> delay(long nanos) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (nanos <= 0) {
      done.complete(null);
      return done;
    }
    ScheduledFuture<?> task =
        executor.schedule(() -> done.complete(null), nanos, TimeUnit.NANOSECONDS);
    // Cancelling the delay cancels the task, so an abandoned request leaves nothing queued.
    done.whenComplete(
        (v, e) -> {
          if (done.isCancelled()) {
            task.cancel(false);
          }
        });
    return done;
  }

  /** Tasks waiting to run. */
  public int pending() {
    return executor.getQueue().size();
  }

  /** Stops the timer; pending tasks never run. */
  public void close() {
    executor.shutdownNow();
  }
}
