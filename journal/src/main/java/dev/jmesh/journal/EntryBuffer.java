package dev.jmesh.journal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The writer thread's scratch buffer for one entry: a growable byte array with the journal's own
 * primitives (unsigned LEB128 varints, little-endian longs, length-prefixed UTF-8 strings), so the
 * format does not depend on Chronicle's encodings and an ASCII string is copied char by char
 * without allocating.
 */
final class EntryBuffer {

  private byte[] bytes = new byte[1024];
  private int length;

  void clear() {
    length = 0;
  }

  byte[] array() {
    return bytes;
  }

  int length() {
    return length;
  }

  void writeByte(int b) {
    ensure(1);
    bytes[length++] = (byte) b;
  }

  void writeLong(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      bytes[length++] = (byte) (v >>> (8 * i));
    }
  }

  /** An unsigned varint; callers shift signed values so they are never negative. */
  void writeVarint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      bytes[length++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    bytes[length++] = (byte) v;
  }

  /** Varint of UTF-8 length + 1 (0 for null), then the bytes; cut to {@code maxChars} chars. */
  void writeString(String s, int maxChars) {
    if (s == null) {
      writeVarint(0);
      return;
    }
    int chars = Math.min(s.length(), maxChars);
    if (chars > 0 && Character.isHighSurrogate(s.charAt(chars - 1))) {
      chars--;
    }
    // One pass for the usual ASCII string: copy on the guess that its UTF-8 length is its
    // length, and take the copy back at the first char that is not ASCII.
    int start = length;
    writeVarint(chars + 1L);
    ensure(chars);
    int at = length;
    for (int i = 0; i < chars; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        at = -1;
        break;
      }
      bytes[at++] = (byte) c;
    }
    if (at >= 0) {
      length = at;
      return;
    }
    length = start;
    byte[] utf8 = s.substring(0, chars).getBytes(StandardCharsets.UTF_8);
    writeVarint(utf8.length + 1L);
    write(utf8, 0, utf8.length);
  }

  void writeString(String s) {
    writeString(s, Integer.MAX_VALUE);
  }

  void write(byte[] source, int offset, int count) {
    ensure(count);
    System.arraycopy(source, offset, bytes, length, count);
    length += count;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
