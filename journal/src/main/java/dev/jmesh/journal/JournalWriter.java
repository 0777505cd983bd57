package dev.jmesh.journal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The journal's one writer thread: drains the hand-off ring into the sink in batches and parks when
 * there is nothing to do. Producers never wake it (an unpark would cost the request path a
 * syscall); instead it polls every {@link #MAX_PARK_NANOS}, which bounds how long an entry waits in
 * the ring, and drains whatever arrived in between in one go.
 */
final class JournalWriter implements Runnable {

  static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int BATCH = 256;

  private final HandOffRing ring;
  private final Supplier<EntrySink> sinkFactory;
  private final JournalLog log;
  private final AtomicLong appended = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final CountDownLatch opened = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile Throwable openFailure;

  JournalWriter(HandOffRing ring, Supplier<EntrySink> sinkFactory, JournalLog log) {
    this.ring = ring;
    this.sinkFactory = sinkFactory;
    this.log = log;
  }

  @Override
  public void run() {
    EntrySink sink;
    try {
      sink = sinkFactory.get();
    } catch (RuntimeException | Error e) {
      // Chronicle reports missing JVM access as an AssertionError: still an open failure.
      openFailure = e;
      opened.countDown();
      stopped.countDown();
      return;
    }
    opened.countDown();
    try {
      while (true) {
        int n = ring.drain(record -> write(sink, record), BATCH);
        if (n == BATCH) {
          continue; // a backlog: keep writing
        }
        if (n == 0) {
          if (!running) {
            break;
          }
          sink.idle();
        }
        // A fixed pace, not a back-off starting at microseconds: under steady traffic a short
        // first park woke this thread for one or two entries at a time, some ten thousand
        // wake-ups a second and a tenth of mesh-proxy's CPU.
        LockSupport.parkNanos(MAX_PARK_NANOS);
      }
    } finally {
      try {
        sink.close();
      } catch (RuntimeException e) {
        log.once("close", "closing the journal failed: " + e);
      }
      stopped.countDown();
    }
  }

  private void write(EntrySink sink, JournalRecord record) {
    try {
      sink.append(record);
      appended.incrementAndGet();
    } catch (RuntimeException | AssertionError | LinkageError e) {
      failed.incrementAndGet();
      log.once("append:" + e.getClass().getName(), "an entry could not be appended: " + e);
    }
  }

  /** Waits until the sink is open; rethrows what opening it threw. */
  void awaitOpen(long timeoutMillis) throws InterruptedException {
    if (!opened.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the journal writer did not open within " + timeoutMillis);
    }
    if (openFailure != null) {
      throw new IllegalStateException(ChronicleAccess.explain(openFailure), openFailure);
    }
  }

  /** Asks the thread to write what is in the ring and stop; true when it did in time. */
  boolean stop(long timeoutMillis) throws InterruptedException {
    running = false;
    return stopped.await(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  long appended() {
    return appended.get();
  }

  long failed() {
    return failed.get();
  }
}
