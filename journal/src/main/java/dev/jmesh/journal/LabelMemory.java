package dev.jmesh.journal;

import java.util.Arrays;

/**
 * A reader's memory of the label blocks it has read lately, by entry index, so an entry of format
 * version 2 that refers back to one ({@link EntryCodec}) gets its labels. The writer refers at most
 * {@link LabelReferences#MAX_DISTANCE} entries back, so a ring of twice that many remembers every
 * block still in reach; an index that maps to a slot holding another index was never read (a
 * damaged entry, or a cycle file read from its middle).
 */
final class LabelMemory {

  private static final int SIZE = Integer.highestOneBit(LabelReferences.MAX_DISTANCE) * 2;

  private final long[] indexes = new long[SIZE];
  private final EntryLabels[] labels = new EntryLabels[SIZE];

  LabelMemory() {
    Arrays.fill(indexes, -1);
  }

  void remember(long index, EntryLabels entryLabels) {
    int slot = (int) (index & (SIZE - 1));
    indexes[slot] = index;
    labels[slot] = entryLabels;
  }

  /** The labels the entry at {@code index} takes from the entry {@code back} before it. */
  EntryLabels recall(long index, long back) {
    long from = index - back;
    if (back > LabelReferences.MAX_DISTANCE || from < 0) {
      throw new CorruptEntryException(
          "it refers to labels "
              + back
              + " entries back, further than the "
              + LabelReferences.MAX_DISTANCE
              + " a writer ever refers");
    }
    int slot = (int) (from & (SIZE - 1));
    if (indexes[slot] != from) {
      throw new CorruptEntryException(
          "its labels are those of entry 0x"
              + Long.toHexString(from)
              + ", which was not read (damaged, or a cycle file read from its middle)");
    }
    return labels[slot];
  }
}
