package dev.jmesh.testapps.httpclients;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N synchronous requests, each on its own virtual thread: every thread is started and waits at a
 * gate before the first request goes out, so opening the gate puts all N in flight at once on the
 * one pooled client — the concurrency is N, not a pool's or a semaphore's. Counts how many were
 * inside the library's call at the same moment.
 */
final class VirtualThreadBurst {

  private final List<CompletableFuture<Outcome>> outcomes;
  private final List<Thread> threads;
  private final AtomicInteger sending = new AtomicInteger();
  private final AtomicInteger peakSending = new AtomicInteger();
  private final CountDownLatch gate = new CountDownLatch(1);
  private long startMillis;
  private long releasedNanos;

  private VirtualThreadBurst(int n) {
    outcomes = new ArrayList<>(n);
    threads = new ArrayList<>(n);
  }

  /** Starts the N threads, then opens the gate; returns without waiting for any request. */
  static VirtualThreadBurst start(ClientLibrary library, Exchange exchange, int n) {
    ThreadFactory factory = VirtualThreads.factory("burst-");
    VirtualThreadBurst burst = new VirtualThreadBurst(n);
    long start = System.nanoTime();
    try {
      for (int i = 0; i < n; i++) {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        Thread thread = factory.newThread(() -> burst.send(library, exchange, outcome));
        burst.threads.add(thread);
        burst.outcomes.add(outcome);
        thread.start();
      }
    } finally {
      // Also when starting a thread failed: the started ones must not wait at the gate forever.
      burst.releasedNanos = System.nanoTime();
      burst.startMillis = TimeUnit.NANOSECONDS.toMillis(burst.releasedNanos - start);
      burst.gate.countDown();
    }
    return burst;
  }

  private void send(ClientLibrary library, Exchange exchange, CompletableFuture<Outcome> outcome) {
    try {
      gate.await();
      peakSending.accumulateAndGet(sending.incrementAndGet(), Math::max);
      try {
        outcome.complete(library.send(exchange));
      } finally {
        sending.decrementAndGet();
      }
    } catch (Throwable e) {
      outcome.completeExceptionally(e);
    }
  }

  List<CompletableFuture<Outcome>> outcomes() {
    return outcomes;
  }

  List<Thread> threads() {
    return threads;
  }

  /** When the gate opened: the burst's elapsed time counts from here. */
  long releasedNanos() {
    return releasedNanos;
  }

  /** {@code threads=virtual startMs=.. peakInFlight=..}, fields of the burst's answer. */
  String fields() {
    return " threads=virtual startMs=" + startMillis + " peakInFlight=" + peakSending.get();
  }
}
