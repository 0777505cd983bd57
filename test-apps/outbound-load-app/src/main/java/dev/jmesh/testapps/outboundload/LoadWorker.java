package dev.jmesh.testapps.outboundload;

import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One in-flight request at a time on its own thread, against the shared client, until the run ends.
 * Closed loop: the next request starts as soon as the last one ended. Fixed rate: requests start on
 * a schedule, and a late one's latency counts from when it should have started, so a slow response
 * is not hidden by the requests it held back (coordinated omission).
 *
 * <p>Only requests that start after the warm-up are counted. Fields are read once the thread has
 * been joined.
 */
final class LoadWorker implements Runnable {

  /** Longer than any request can take (the clients time out at 10 s). */
  static final long HIGHEST_NANOS = 60_000_000_000L;

  private final HttpLoadClient client;
  private final long measureFrom;
  private final long end;
  private final long firstStart;
  private final long intervalNanos;
  private final Histogram latencies = new Histogram(HIGHEST_NANOS, 3);
  private long errors;
  private Exception firstError;

  /**
   * @param firstStart when this worker's first fixed-rate request is due (ignored in a closed loop)
   * @param intervalNanos between this worker's requests; 0 for a closed loop
   */
  LoadWorker(
      HttpLoadClient client, long measureFrom, long end, long firstStart, long intervalNanos) {
    this.client = client;
    this.measureFrom = measureFrom;
    this.end = end;
    this.firstStart = firstStart;
    this.intervalNanos = intervalNanos;
  }

  @Override
  public void run() {
    for (long sent = 0; ; sent++) {
      long intended = intervalNanos == 0 ? System.nanoTime() : firstStart + sent * intervalNanos;
      // Past the end by the clock, too: above capacity a schedule would otherwise run on for as
      // long as the backlog takes (the requests it never sent are dropped, as wrk2 does).
      if (intended >= end || System.nanoTime() >= end) {
        return;
      }
      waitUntil(intended);
      boolean ok;
      try {
        ok = client.get() == 200;
      } catch (Exception e) {
        ok = false;
        if (firstError == null) {
          firstError = e;
        }
      }
      long took = System.nanoTime() - intended;
      if (intended < measureFrom) {
        continue;
      }
      if (ok) {
        latencies.recordValue(Math.min(took, HIGHEST_NANOS));
      } else {
        errors++;
      }
    }
  }

  private static void waitUntil(long due) {
    long left;
    while ((left = due - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  Histogram latencies() {
    return latencies;
  }

  long errors() {
    return errors;
  }

  Exception firstError() {
    return firstError;
  }
}
