package dev.jmesh.journal;

/**
 * A body or its first bytes. On the caller's record it refers to the caller's array; in a hand-off
 * slot it owns a buffer that grows to the body cap once and is then reused.
 */
final class BodyCopy {

  private static final byte[] NONE = new byte[0];

  private byte[] bytes = NONE;
  private int offset;
  private int length;
  private long originalLength;
  private byte[] owned = NONE;

  void clear() {
    bytes = NONE;
    offset = 0;
    length = 0;
    originalLength = 0;
  }

  void refer(byte[] source, int from, int count) {
    if (source == null || count <= 0) {
      clear();
      return;
    }
    if (from < 0 || from + count > source.length) {
      throw new IndexOutOfBoundsException(
          "body range " + from + "+" + count + " outside an array of " + source.length);
    }
    bytes = source;
    offset = from;
    length = count;
    originalLength = count;
  }

  void copyInto(BodyCopy target, int maxBytes) {
    int n = Math.min(length, Math.max(0, maxBytes));
    if (n > target.owned.length) {
      // Grows once per slot up to the cap; afterwards copying allocates nothing.
      target.owned = new byte[Math.max(n, Math.min(maxBytes, Math.max(256, n * 2)))];
    }
    if (n > 0) {
      System.arraycopy(bytes, offset, target.owned, 0, n);
    }
    target.bytes = target.owned;
    target.offset = 0;
    target.length = n;
    target.originalLength = originalLength;
  }

  byte[] array() {
    return bytes;
  }

  int offset() {
    return offset;
  }

  int length() {
    return length;
  }

  /** The body's length before any cap: more than {@link #length()} when it was cut. */
  long originalLength() {
    return originalLength;
  }
}
