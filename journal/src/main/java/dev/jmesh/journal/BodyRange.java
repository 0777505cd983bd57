package dev.jmesh.journal;

/**
 * A body or its first bytes, by reference to the caller's array until {@link Journal#offer}
 * encodes it (cut to the body cap) into a hand-off slot.
 */
final class BodyRange {

  private static final byte[] NONE = new byte[0];

  private byte[] bytes = NONE;
  private int offset;
  private int length;
  private long originalLength;

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
