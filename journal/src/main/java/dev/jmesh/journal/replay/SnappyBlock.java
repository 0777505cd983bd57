package dev.jmesh.journal.replay;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Snappy's block format (what Prometheus remote write wants in {@code Content-Encoding: snappy}),
 * compressing: a greedy LZ77 over 4-byte hashes with literals and 2-byte-offset copies, per the
 * format description in google/snappy's {@code format_description.txt}. Pure Java, so the CLI needs
 * no native library; the receiver only has to decode, and any valid block decodes.
 */
final class SnappyBlock {

  private static final int MIN_MATCH = 4;
  private static final int MAX_OFFSET = 65_535;
  private static final int HASH_BITS = 14;

  private SnappyBlock() {}

  static byte[] compress(byte[] input) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 16);
    writeVarint(out, input.length);
    int[] table = new int[1 << HASH_BITS];
    Arrays.fill(table, -1);
    int literalStart = 0;
    int i = 0;
    while (i + MIN_MATCH <= input.length) {
      int h = hash(input, i);
      int candidate = table[h];
      table[h] = i;
      if (candidate >= 0 && i - candidate <= MAX_OFFSET && equal4(input, candidate, i)) {
        writeLiteral(out, input, literalStart, i - literalStart);
        int length = MIN_MATCH;
        while (i + length < input.length && input[candidate + length] == input[i + length]) {
          length++;
        }
        writeCopy(out, i - candidate, length);
        i += length;
        literalStart = i;
      } else {
        i++;
      }
    }
    writeLiteral(out, input, literalStart, input.length - literalStart);
    return out.toByteArray();
  }

  private static int hash(byte[] b, int i) {
    int v =
        (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    return (v * 0x1E35A7BD) >>> (32 - HASH_BITS);
  }

  private static boolean equal4(byte[] b, int x, int y) {
    return b[x] == b[y] && b[x + 1] == b[y + 1] && b[x + 2] == b[y + 2] && b[x + 3] == b[y + 3];
  }

  private static void writeLiteral(ByteArrayOutputStream out, byte[] b, int from, int length) {
    while (length > 0) {
      int n = Math.min(length, 65_536);
      int m = n - 1;
      if (m < 60) {
        out.write(m << 2);
      } else if (m < 256) {
        out.write(60 << 2);
        out.write(m);
      } else {
        out.write(61 << 2);
        out.write(m & 0xFF);
        out.write(m >>> 8);
      }
      out.write(b, from, n);
      from += n;
      length -= n;
    }
  }

  /** Copies with a 2-byte offset: tag 0b10, length 1..64 per element. */
  private static void writeCopy(ByteArrayOutputStream out, int offset, int length) {
    while (length > 0) {
      // One element copies 1 to 64 bytes; a long match is several elements at the same offset.
      int n = Math.min(length, 64);
      out.write(((n - 1) << 2) | 0b10);
      out.write(offset & 0xFF);
      out.write(offset >>> 8);
      length -= n;
    }
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
