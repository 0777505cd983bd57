package dev.jmesh.dataplane.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * A lock-free, insert-only hash table of series keyed by a {@code long} that packs their labels.
 * Open addressing with linear probing over an array at least twice the size cap, so it is
 * never more than half full and a probe always ends at an empty slot. Finding a series reads
 * array slots and compares longs: no lock, no allocation, no boxing. Series are never removed
 * (Prometheus counters must not go backwards), which is what makes the probing safe without
 * tombstones.
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
   * table, or {@code null} when the table holds its cap of series.
   */
  S add(S candidate) {
    long key = candidate.key;
    int i = index(key);
    while (true) {
      S s = slots.get(i);
      if (s == null) {
        if (!reserve()) {
          return null;
        }
        if (slots.compareAndSet(i, null, candidate)) {
          return candidate;
        }
        // Another thread took the slot first: give the room back and look at what it put there.
        size.decrementAndGet();
        continue;
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

  private boolean reserve() {
    while (true) {
      int current = size.get();
      if (current >= maxSize) {
        return false;
      }
      if (size.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  private int index(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> 36) & mask;
  }
}
