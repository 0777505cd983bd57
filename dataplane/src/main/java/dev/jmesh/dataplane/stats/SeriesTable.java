package dev.jmesh.dataplane.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * An insert-only hash table of series keyed by a {@code long} that packs their labels. Open
 * addressing with linear probing over an array at least twice the size cap, so it is never more
 * than half full and a probe always ends at an empty slot. Finding a series reads array slots and
 * compares longs: no lock, no allocation, no boxing; only adding a new series locks. Series are
 * never removed (Prometheus counters must not go backwards), which is what makes probing safe
 * without tombstones.
 */
final class SeriesTable<S extends SeriesTable.Entry> {

  /** A series as the table sees it: its packed key. */
  abstract static class Entry {
    final long key;

    Entry(long key) {
      this.key = key;
    }
  }

  private final AtomicReferenceArray<S> slots;
  private final int mask;
  private final int maxSize;
  private final AtomicInteger size = new AtomicInteger();

  SeriesTable(int maxSize) {
    if (maxSize < 1 || maxSize > (1 << 28)) {
      throw new IllegalArgumentException("series cap " + maxSize + " is not in 1.." + (1 << 28));
    }
    int capacity = Integer.highestOneBit(maxSize * 2 - 1) << 1;
    this.slots = new AtomicReferenceArray<>(capacity);
    this.mask = capacity - 1;
    this.maxSize = maxSize;
  }

  /** The series with {@code key}, or {@code null}. */
  S get(long key) {
    int i = index(key);
    while (true) {
      S s = slots.get(i);
      if (s == null || s.key == key) {
        return s;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Adds {@code candidate} unless a series with its key is there already; returns the one in the
   * table, or {@code null} when the table holds its cap of series. Adding takes a lock: it happens
   * once per label set, and the lock makes the cap exact, so two threads racing with the same new
   * key both get the one series and never one of them the overflow.
   */
  synchronized S add(S candidate) {
    long key = candidate.key;
    int i = index(key);
    while (true) {
      S s = slots.get(i);
      if (s == null) {
        if (size.get() >= maxSize) {
          return null;
        }
        // Publish first, count second: a reader that sees the table full finds it by get().
        slots.set(i, candidate);
        size.incrementAndGet();
        return candidate;
      }
      if (s.key == key) {
        return s;
      }
      i = (i + 1) & mask;
    }
  }

  boolean isFull() {
    return size.get() >= maxSize;
  }

  int size() {
    return size.get();
  }

  void forEach(Consumer<? super S> action) {
    for (int i = 0; i < slots.length(); i++) {
      S s = slots.get(i);
      if (s != null) {
        action.accept(s);
      }
    }
  }

  private int index(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> 36) & mask;
  }
}
