package dev.jmesh.testapps.servers;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts requests being served, so a graceful stop can wait for them on servers whose own stop does
 * not (Netty, Tomcat).
 */
final class InFlight {

  static final long GRACE_MILLIS = TimeUnit.SECONDS.toMillis(30);

  private final AtomicInteger count = new AtomicInteger();

  void begin() {
    count.incrementAndGet();
  }

  void end() {
    count.decrementAndGet();
  }

  boolean isIdle() {
    return count.get() == 0;
  }

  /** Waits until nothing is in flight or the grace period has passed. */
  void awaitIdle() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
    while (count.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
