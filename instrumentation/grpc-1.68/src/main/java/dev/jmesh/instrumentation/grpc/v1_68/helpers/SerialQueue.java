package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one RPC's events (the application's calls, the attempt's callbacks, the mesh's timers) one
 * at a time, on whichever thread brings the next one when none is running: mutual exclusion without
 * a lock, so no thread ever blocks here (virtual threads stay unpinned).
 */
final class SerialQueue {

  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();

  void execute(Runnable task) {
    tasks.add(task);
    if (pending.getAndIncrement() != 0) {
      return;
    }
    do {
      Runnable next = tasks.poll();
      try {
        next.run();
      } catch (RuntimeException e) {
        // A failing listener must not wedge the queue for the events behind it.
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, e);
      }
    } while (pending.decrementAndGet() != 0);
  }
}
