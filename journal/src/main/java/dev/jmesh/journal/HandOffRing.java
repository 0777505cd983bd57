package dev.jmesh.journal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * The bounded, lock-free hand-off between request threads (many producers) and the journal's writer
 * thread (one consumer): a ring of preallocated {@link JournalRecord} slots, each with a sequence
 * number saying whose turn it is (Vyukov's bounded queue). A producer claims a slot with one CAS,
 * copies its record in and publishes it; when the ring is full it gives up at once, so a request
 * never waits for the disk.
 */
final class HandOffRing {

  private final JournalRecord[] slots;
  private final AtomicLongArray sequences;
  private final int mask;
  private final int maxBodyBytes;
  private final AtomicLong tail = new AtomicLong();
  private long head;

  HandOffRing(int capacity, int maxHeaders, int maxBodyBytes) {
    if (capacity < 2 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("ring capacity must be a power of two >= 2: " + capacity);
    }
    this.slots = new JournalRecord[capacity];
    this.sequences = new AtomicLongArray(capacity);
    for (int i = 0; i < capacity; i++) {
      slots[i] = new JournalRecord(maxHeaders);
      sequences.set(i, i);
    }
    this.mask = capacity - 1;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Copies {@code record} into a free slot; false, at once, when every slot is taken. */
  boolean offer(JournalRecord record) {
    long position = tail.get();
    while (true) {
      int index = (int) (position & mask);
      long sequence = sequences.getAcquire(index);
      long lag = sequence - position;
      if (lag == 0) {
        if (tail.compareAndSet(position, position + 1)) {
          record.copyInto(slots[index], maxBodyBytes);
          sequences.setRelease(index, position + 1);
          return true;
        }
        position = tail.get();
      } else if (lag < 0) {
        return false;
      } else {
        position = tail.get();
      }
    }
  }

  /**
   * Hands up to {@code max} published records, oldest first, to {@code writer} and frees their
   * slots; only the writer thread calls this. Returns how many it handed over.
   */
  int drain(Consumer<JournalRecord> writer, int max) {
    int count = 0;
    while (count < max) {
      int index = (int) (head & mask);
      if (sequences.getAcquire(index) != head + 1) {
        break;
      }
      try {
        writer.accept(slots[index]);
      } finally {
        // The slot lets go of the request's strings now rather than a whole lap later: the ring
        // lives in the old generation, and a lap (capacity / request rate) outlasts a young
        // collection, so each string it kept would be copied to the survivor space, promoted and
        // left as old-generation garbage for a full collection to find.
        slots[index].forgetReferences();
        sequences.setRelease(index, head + slots.length);
        head++;
      }
      count++;
    }
    return count;
  }

  /** Records published and not yet drained; approximate while producers run. */
  long size() {
    return Math.max(0, tail.get() - head);
  }

  int capacity() {
    return slots.length;
  }
}
