package dev.jmesh.journal;

import java.nio.charset.StandardCharsets;

/**
 * Reads {@link EntryBuffer}'s primitives back from one entry's bytes, every read bounds-checked: a
 * damaged entry ends in a {@link CorruptEntryException}, never in a read past the entry.
 */
final class EntryBytes {

  private final byte[] bytes;
  private int position;

  EntryBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  int remaining() {
    return bytes.length - position;
  }

  int readByte() {
    need(1);
    return bytes[position++] & 0xFF;
  }

  long readLong() {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v |= (bytes[position++] & 0xFFL) << (8 * i);
    }
    return v;
  }

  long readVarint() {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = readByte();
      v |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        return v;
      }
    }
    throw new CorruptEntryException("a varint runs past 10 bytes");
  }

  String readString() {
    long n = readVarint();
    if (n == 0) {
      return null;
    }
    int length = checkedLength(n - 1);
    String s = new String(bytes, position, length, StandardCharsets.UTF_8);
    position += length;
    return s;
  }

  byte[] readBytes(long count) {
    int length = checkedLength(count);
    byte[] out = new byte[length];
    System.arraycopy(bytes, position, out, 0, length);
    position += length;
    return out;
  }

  /** A length read from the entry, checked against what is left of it. */
  int checkedLength(long n) {
    if (n < 0 || n > remaining()) {
      throw new CorruptEntryException(
          "a length of " + n + " at byte " + position + " runs past the entry's end");
    }
    return (int) n;
  }

  private void need(int n) {
    if (remaining() < n) {
      throw new CorruptEntryException("the entry ends early, at byte " + position);
    }
  }
}
