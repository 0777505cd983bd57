package dev.jmesh.journal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The journal's one writer thread: drains the hand-off ring into the sink in batches and parks when
 * there is nothing to do. Producers never wake it (an unpark would cost the request path a
 * syscall); instead it polls, and drains whatever arrived in between in one go. The pause between
 * polls adapts ({@link #nextPark}): {@link #MIN_PARK_NANOS} while traffic fills a good part of the
 * ring, up to {@link #MAX_PARK_NANOS} while it does not, which bounds how long an entry waits in
 * the ring.
 */
final class JournalWriter implements Runnable {

  static final long MIN_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(8);
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
  private volatile Thread thread;

  JournalWriter(HandOffRing ring, Supplier<EntrySink> sinkFactory, JournalLog log) {
    this.ring = ring;
    this.sinkFactory = sinkFactory;
    this.log = log;
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
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
    Consumer<EntryBuffer> writeOne = payload -> write(sink, payload);
    long park = MIN_PARK_NANOS;
    try {
      while (true) {
        int n = ring.drain(writeOne, BATCH);
        if (n == BATCH) {
          continue; // a backlog: keep writing
        }
        if (n == 0) {
          if (!running) {
            break;
          }
          sink.idle();
        } else if (!running) {
          continue; // closing: write what is left without pausing
        }
        park = nextPark(park, n, ring.capacity());
        LockSupport.parkNanos(park);
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

  /**
   * The pause before the next poll, after one that found {@code drained} entries. Never a back-off
   * starting at microseconds: under steady traffic a short park woke this thread for one or two
   * entries at a time, some ten thousand wake-ups a second and a tenth of mesh-proxy's CPU. Each
   * wake-up costs the same whatever it finds (two context switches on the request path's core and
   * the caches it evicts), so while a pause collects less than a sixteenth of the ring the pause
   * doubles, up to {@link #MAX_PARK_NANOS}: at a few thousand requests a second a fixed 1 ms pace
   * was one wake-up per handful of entries. A pause that collected more goes back to {@link
   * #MIN_PARK_NANOS}, so a ring that fills faster than it did is drained at the old pace, with a
   * sixteenfold margin before the growth could fill it.
   */
  static long nextPark(long park, int drained, int capacity) {
    if (drained < capacity / 16) {
      return Math.min(park * 2, MAX_PARK_NANOS);
    }
    return MIN_PARK_NANOS;
  }

  private void write(EntrySink sink, EntryBuffer payload) {
    if (payload.length() == 0) {
      // Its record could not be encoded; the request thread said why, once.
      failed.incrementAndGet();
      return;
    }
    try {
      sink.append(payload);
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
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t); // not on the request path: close need not wait out a long pause
    }
    return stopped.await(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  long appended() {
    return appended.get();
  }

  long failed() {
    return failed.get();
  }
}
