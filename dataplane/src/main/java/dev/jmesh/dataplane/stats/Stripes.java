package dev.jmesh.dataplane.stats;

/**
 * Spreads the counters of one series over a few copies, picked by thread, so threads recording the
 * same hot series (every 200 of a busy route) do not all fight over one cache line. A scrape adds
 * the copies up. The count is a power of two, at most 4: more would cost memory in every series for
 * little gain on the hosts a JVM workload usually gets.
 */
final class Stripes {

  static final int COUNT = count(Runtime.getRuntime().availableProcessors());

  private static final int MASK = COUNT - 1;

  private Stripes() {}

  /** The processor count rounded up to a power of two, at most 4. */
  static int count(int processors) {
    int power = Integer.highestOneBit(Math.max(1, processors));
    if (power < processors) {
      power <<= 1;
    }
    return Math.min(4, power);
  }

  @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; we build for 17.
  static int current() {
    return (int) Thread.currentThread().getId() & MASK;
  }
}
