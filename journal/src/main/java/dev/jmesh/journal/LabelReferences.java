package dev.jmesh.journal;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The writer thread's side of format version 2's label references ({@link EntryCodec}): the label
 * blocks it wrote out in full lately, and where. An entry whose block matches one of them, in the
 * same cycle file and at most {@link #MAX_DISTANCE} entries back, refers to it instead of carrying
 * it; otherwise it carries its block and becomes the one later entries refer to. So a cycle file
 * is readable on its own, and a reader needs only the last {@code MAX_DISTANCE} entries' blocks.
 *
 * <p>Keeps {@link #KEPT} blocks: a client that calls a few services of a few dozen endpoints each
 * in turn (the upstream host is a label) still refers to them. More distinct blocks than that in
 * turn are written out in full, as version 1 wrote every entry. A block is looked up by its length
 * and CRC-32C (the JDK computes it with the CPU's instruction, some tens of nanoseconds for a
 * block), and only a block that matches both is compared byte for byte. Writer thread only;
 * allocates only when a block is longer than its slot has held.
 */
final class LabelReferences {

  /**
   * How far back an entry may refer. A damaged entry costs the entries that refer to it, so this
   * bounds the cost; a plain request's block (about 200 bytes) written again every 257th entry
   * adds under a byte per entry.
   */
  static final int MAX_DISTANCE = 256;

  static final int KEPT = 64;

  private final CRC32C crc = new CRC32C();
  private final byte[][] blocks = new byte[KEPT][64];
  private final int[] lengths = new int[KEPT];
  private final int[] checksums = new int[KEPT];
  private final long[] indexes = new long[KEPT];
  private final int[] cycles = new int[KEPT];
  private int checksum;
  private int matched = -1;
  private int next;

  LabelReferences() {
    Arrays.fill(lengths, -1);
  }

  /**
   * How many entries back the entry at {@code index} (in {@code cycle}) finds the labels {@code
   * payload} carries, or 0 when it must carry them itself. Remembers which kept block matched, for
   * {@link #written}.
   */
  long distance(EntryBuffer payload, long index, int cycle) {
    matched = find(payload);
    if (matched < 0 || cycles[matched] != cycle) {
      return 0;
    }
    long back = index - indexes[matched];
    return back >= 1 && back <= MAX_DISTANCE ? back : 0;
  }

  /**
   * Records that the entry at {@code index}, last given to {@link #distance}, was appended carrying
   * its labels: entries after it refer to it. Called only once the append succeeded, so no entry
   * refers to one that is not on disk.
   */
  void written(EntryBuffer payload, long index, int cycle) {
    int slot = matched >= 0 ? matched : take();
    int length = payload.labelsEnd() - EntryCodec.LABELS_OFFSET;
    if (blocks[slot].length < length) {
      blocks[slot] = new byte[Math.max(length, blocks[slot].length * 2)];
    }
    System.arraycopy(payload.array(), EntryCodec.LABELS_OFFSET, blocks[slot], 0, length);
    lengths[slot] = length;
    checksums[slot] = checksum;
    indexes[slot] = index;
    cycles[slot] = cycle;
    matched = slot;
  }

  /** Round robin: the slot written longest ago, since blocks are written in index order. */
  private int take() {
    int slot = next;
    next = (next + 1) % KEPT;
    return slot;
  }

  /** The kept block equal to the payload's; -1 for none. */
  private int find(EntryBuffer payload) {
    int from = EntryCodec.LABELS_OFFSET;
    int length = payload.labelsEnd() - from;
    crc.reset();
    crc.update(payload.array(), from, length);
    checksum = (int) crc.getValue();
    for (int slot = 0; slot < KEPT; slot++) {
      if (lengths[slot] == length
          && checksums[slot] == checksum
          && Arrays.equals(blocks[slot], 0, length, payload.array(), from, from + length)) {
        return slot;
      }
    }
    return -1;
  }
}
