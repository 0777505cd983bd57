package dev.jmesh.dataplane.record;

/**
 * Wall-clock time for request records from the one {@link System#nanoTime()} reading a request
 * takes anyway: the epoch milliseconds of a base, refreshed once a minute, plus the nanoseconds
 * since. Saves a second clock read per request; the minute-long base keeps a slewing wall clock
 * from drifting the records by more than a few milliseconds.
 */
public final class RecordClock {

  private static final long REFRESH_NANOS = 60_000_000_000L;

  /** A base: the wall clock and nanoTime read together. Immutable, swapped whole. */
  private record Base(long epochMillis, long nanos) {}

  private static volatile Base base = new Base(System.currentTimeMillis(), System.nanoTime());

  private RecordClock() {}

  /** The epoch milliseconds at {@code nanoTime}, a reading of {@link System#nanoTime()}. */
  public static long epochMillis(long nanoTime) {
    Base b = base;
    long since = nanoTime - b.nanos;
    if (since > REFRESH_NANOS || since < -REFRESH_NANOS) {
      b = new Base(System.currentTimeMillis(), System.nanoTime());
      base = b;
      since = nanoTime - b.nanos;
    }
    return b.epochMillis + Math.floorDiv(since, 1_000_000L);
  }
}
