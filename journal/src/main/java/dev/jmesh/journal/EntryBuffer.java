package dev.jmesh.journal;

import java.util.Arrays;

/**
 * One entry's payload as bytes, a hand-off slot's content: a growable byte array with the
 * journal's own primitives (unsigned LEB128 varints, little-endian longs, length-prefixed UTF-8
 * strings), so the format does not depend on Chronicle's encodings. Strings are encoded char by
 * char, never through a temporary array: request threads write here.
 */
final class EntryBuffer {

  private byte[] bytes;
  private int length;
  private int labelsEnd;

  EntryBuffer(int initialCapacity) {
    this.bytes = new byte[initialCapacity];
  }

  void clear() {
    length = 0;
    labelsEnd = 0;
  }

  /**
   * Marks where the entry's label block ends (it starts at {@link EntryCodec#LABELS_OFFSET}): the
   * writer thread writes the block, or a reference to an earlier copy of it, without decoding it.
   */
  void markLabelsEnd() {
    labelsEnd = length;
  }

  int labelsEnd() {
    return labelsEnd;
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
    if (isAscii(s, chars)) {
      writeVarint(chars + 1L);
      ensure(chars);
      copyAscii(s, chars);
      return;
    }
    int utf8 = utf8Length(s, chars);
    writeVarint(utf8 + 1L);
    ensure(utf8);
    writeUtf8(s, chars);
  }

  /** No branch per char, so the usual ASCII string is checked at memory speed. */
  private static boolean isAscii(String s, int chars) {
    int bits = 0;
    for (int i = 0; i < chars; i++) {
      bits |= s.charAt(i);
    }
    return bits < 0x80;
  }

  /**
   * Copies chars known to be ASCII. {@code String.getBytes(int, int, byte[], int)} is deprecated
   * because it drops each char's high byte, which an ASCII char does not have; for the usual
   * one-byte-per-char string it is one array copy, faster than a loop of {@code charAt}.
   */
  @SuppressWarnings("deprecation")
  private void copyAscii(String s, int chars) {
    s.getBytes(0, chars, bytes, length);
    length += chars;
  }

  /**
   * The bytes {@code s.substring(0, chars).getBytes(UTF_8)} would be (format version 1 was
   * written that way), counted without making them.
   */
  private static int utf8Length(String s, int chars) {
    int n = 0;
    for (int i = 0; i < chars; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (!Character.isSurrogate(c)) {
        n += 3;
      } else if (pairsAt(s, i, chars)) {
        n += 4;
        i++;
      } else {
        n++; // '?', as the JDK's encoder replaces a lone surrogate
      }
    }
    return n;
  }

  private void writeUtf8(String s, int chars) {
    for (int i = 0; i < chars; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes[length++] = (byte) c;
      } else if (c < 0x800) {
        bytes[length++] = (byte) (0xC0 | c >> 6);
        bytes[length++] = (byte) (0x80 | c & 0x3F);
      } else if (!Character.isSurrogate(c)) {
        bytes[length++] = (byte) (0xE0 | c >> 12);
        bytes[length++] = (byte) (0x80 | c >> 6 & 0x3F);
        bytes[length++] = (byte) (0x80 | c & 0x3F);
      } else if (pairsAt(s, i, chars)) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        bytes[length++] = (byte) (0xF0 | cp >> 18);
        bytes[length++] = (byte) (0x80 | cp >> 12 & 0x3F);
        bytes[length++] = (byte) (0x80 | cp >> 6 & 0x3F);
        bytes[length++] = (byte) (0x80 | cp & 0x3F);
      } else {
        bytes[length++] = '?';
      }
    }
  }

  /** A high surrogate at {@code i} followed by a low one within the first {@code chars}. */
  private static boolean pairsAt(String s, int i, int chars) {
    return Character.isHighSurrogate(s.charAt(i))
        && i + 1 < chars
        && Character.isLowSurrogate(s.charAt(i + 1));
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
