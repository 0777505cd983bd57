package dev.jmesh.testapps.outboundload;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/** Starts the workers, waits for them, and merges what they measured. */
final class LoadRun {

  private static final long SECOND = 1_000_000_000L;
  private static final long PRIME_NANOS = 60 * SECOND;
  private static final long SETTLE_WINDOW_NANOS = 2 * SECOND;

  /** Settled: the JIT worked less than this share of a settle window (summed over its threads). */
  private static final double SETTLED_JIT_SHARE = 0.02;

  private final LoadOptions options;
  private final HttpLoadClient client;
  private final long primeNanos;

  LoadRun(LoadOptions options, HttpLoadClient client) {
    this(options, client, PRIME_NANOS);
  }

  LoadRun(LoadOptions options, HttpLoadClient client, long primeNanos) {
    this.options = options;
    this.client = client;
    this.primeNanos = primeNanos;
  }

  /** The first measured window, after priming the client and settling the JIT. */
  LoadResult run() throws InterruptedException {
    prime();
    settle();
    return window();
  }

  /**
   * One measured window (its warm-up first) on the client as it is: primed and settled by {@link
   * #run}, so a driver that alternates configurations can measure the same JVMs again and again,
   * and a JVM's own luck (its JIT's choices, its heap's layout) falls on every round alike.
   */
  LoadResult window() throws InterruptedException {
    long start = System.nanoTime();
    long measureFrom = start + options.warmupSeconds() * SECOND;
    long end = measureFrom + options.seconds() * SECOND;
    MeasuredWindow window = new MeasuredWindow(measureFrom, end);
    window.start();
    List<LoadWorker> loops = load(start, measureFrom, end);
    window.join();
    Histogram all = new Histogram(LoadWorker.HIGHEST_NANOS, 3);
    long errors = 0;
    Exception firstError = null;
    for (LoadWorker worker : loops) {
      all.add(worker.latencies());
      errors += worker.errors();
      if (firstError == null) {
        firstError = worker.firstError();
      }
    }
    return new LoadResult(all, errors, options.seconds(), firstError, window.jitMillis());
  }

  /**
   * The workers' load from {@code start} to {@code end}, counted from {@code measureFrom}: closed
   * loop, or the rate shared out evenly, each worker's first request staggered so the starts
   * interleave. Returns the workers once they have ended.
   */
  private List<LoadWorker> load(long start, long measureFrom, long end)
      throws InterruptedException {
    int workers = options.connections();
    long interval = options.rate() > 0 ? Math.round(workers * SECOND / options.rate()) : 0;
    List<LoadWorker> loops = new ArrayList<>(workers);
    List<Thread> threads = new ArrayList<>(workers);
    for (int i = 0; i < workers; i++) {
      LoadWorker worker =
          new LoadWorker(client, measureFrom, end, start + i * interval / workers, interval);
      Thread thread = new Thread(worker, "load-" + i);
      thread.setDaemon(true);
      loops.add(worker);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }
    return loops;
  }

  /**
   * Prints {@code MEASURE start} and {@code MEASURE end} as the measured window opens and closes,
   * so a driver can read the CPU time the processes on the request path spent in it alone, and
   * reads the JIT's compilation time at both moments.
   */
  private static final class MeasuredWindow extends Thread {
    private final long from;
    private final long to;
    private volatile long jitMillis = -1;

    MeasuredWindow(long from, long to) {
      super("load-window");
      this.from = from;
      this.to = to;
      setDaemon(true);
    }

    @Override
    public void run() {
      CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
      boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
      try {
        sleepUntil(from);
        long compiled = timed ? jit.getTotalCompilationTime() : 0;
        System.out.println("MEASURE start");
        sleepUntil(to);
        if (timed) {
          jitMillis = jit.getTotalCompilationTime() - compiled;
        }
        System.out.println("MEASURE end");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Compilation time inside the window, once it has closed; -1 where the JVM does not say. */
    long jitMillis() {
      return jitMillis;
    }
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000));
    }
  }

  /**
   * Closed-loop requests until this JVM's JIT has (nearly) stopped compiling, at most {@code
   * --settle} seconds, then for a fixed-rate run requests at that rate until it has stopped again
   * (at most as long again, {@link #settleAtRate}). The JVM interprets, then compiles with C1, then
   * C2; until C2 is done its compiler threads take a large, falling share of the CPU, and a run
   * would measure that instead of the client (a meshed service runs for days). Prints how long it
   * took.
   */
  private void settle() throws InterruptedException {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    if (options.settleSeconds() <= 0
        || jit == null
        || !jit.isCompilationTimeMonitoringSupported()) {
      return;
    }
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < options.connections(); i++) {
      Thread t =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try {
                    client.get();
                  } catch (Exception e) {
                    // Warm-up only: the measured run counts errors.
                  }
                }
              },
              "settle-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    long start = System.nanoTime();
    long deadline = start + options.settleSeconds() * SECOND;
    long compiled = jit.getTotalCompilationTime();
    double share = 1;
    while (System.nanoTime() < deadline) {
      Thread.sleep(SETTLE_WINDOW_NANOS / 1_000_000);
      long now = jit.getTotalCompilationTime();
      share = (now - compiled) * 1_000_000.0 / SETTLE_WINDOW_NANOS;
      compiled = now;
      if (share < SETTLED_JIT_SHARE) {
        break;
      }
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    long paced = 0;
    if (options.rate() > 0) {
      long from = System.nanoTime();
      share = settleAtRate(jit, from + options.settleSeconds() * SECOND);
      paced = System.nanoTime() - from;
    }
    System.out.printf(
        "SETTLED %s after %d s, %d s of them at the rate (JIT %.1f%% of the last %d s)%n",
        share < SETTLED_JIT_SHARE ? "yes" : "no",
        (System.nanoTime() - start) / SECOND,
        paced / SECOND,
        share * 100,
        SETTLE_WINDOW_NANOS / SECOND);
  }

  /**
   * Requests at the run's rate, in windows of two seconds, until one in which the JIT (nearly) did
   * not compile, or until {@code deadline}: the JIT's share of the last window. The paced load runs
   * code the closed loop barely ran (the workers parking between requests, the client's wake-ups
   * from idle) and deoptimises some of what it compiled; without this the compilation lands in the
   * measured window (6-17% of a CPU in fresh JVMs at 1,000 req/s, docs/benchmarks-outbound.md,
   * "Session 36").
   */
  double settleAtRate(CompilationMXBean jit, long deadline) throws InterruptedException {
    double share;
    do {
      long compiled = jit.getTotalCompilationTime();
      long from = System.nanoTime();
      long to = from + SETTLE_WINDOW_NANOS;
      load(from, to, to);
      share = (jit.getTotalCompilationTime() - compiled) * 1_000_000.0 / (System.nanoTime() - from);
    } while (share >= SETTLED_JIT_SHARE && System.nanoTime() < deadline);
    return share;
  }

  /**
   * Requests before the clock starts, until one succeeds (at most a minute): a meshed JVM's first
   * connection waits for the mesh's first config and certificate (seconds on a busy machine), which
   * is start-up, not the cost being measured.
   */
  private void prime() throws InterruptedException {
    long deadline = System.nanoTime() + primeNanos;
    String last = null;
    while (System.nanoTime() < deadline) {
      try {
        int status = client.get();
        if (status == 200) {
          return;
        }
        last = "status " + status;
      } catch (Exception e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    System.err.println("no successful request before the run (last: " + last + ")");
  }
}
