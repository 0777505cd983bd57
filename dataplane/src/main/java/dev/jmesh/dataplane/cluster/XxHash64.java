package dev.jmesh.dataplane.cluster;

import java.nio.charset.StandardCharsets;

/**
 * xxHash64 (the XXH64 algorithm of the xxHash specification), the hash Envoy uses to place hosts on
 * a ring-hash ring and in a Maglev table. Using the same function and the same host keys as Envoy
 * keeps a request's host the same whichever proxy routes it.
 */
public final class XxHash64 {

  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  /** The hash of {@code s}'s UTF-8 bytes. */
  public static long hash(String s, long seed) {
    return hash(s, 0, s.length(), seed);
  }

  /**
   * The hash of the UTF-8 bytes of {@code s} from {@code from} to {@code to}, e.g. one cookie of a
   * {@code Cookie} header. Allocates nothing when the range is ASCII, as header values are.
   */
  public static long hash(CharSequence s, int from, int to, long seed) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) >= 0x80) {
        // The core reads one byte per char: hand it the UTF-8 bytes as Latin-1 chars.
        byte[] utf8 = s.subSequence(from, to).toString().getBytes(StandardCharsets.UTF_8);
        return bytes(new String(utf8, StandardCharsets.ISO_8859_1), 0, utf8.length, seed);
      }
    }
    return bytes(s, from, to - from, seed);
  }

  /** XXH64 of the bytes {@code s.charAt(i) & 0xFF} for i in [off, off + len). */
  private static long bytes(CharSequence b, int off, int len, long seed) {
    int end = off + len;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      int limit = end - 32;
      do {
        v1 = round(v1, le64(b, off));
        v2 = round(v2, le64(b, off + 8));
        v3 = round(v3, le64(b, off + 16));
        v4 = round(v4, le64(b, off + 24));
        off += 32;
      } while (off <= limit);
      h =
          Long.rotateLeft(v1, 1)
              + Long.rotateLeft(v2, 7)
              + Long.rotateLeft(v3, 12)
              + Long.rotateLeft(v4, 18);
      h = merge(h, v1);
      h = merge(h, v2);
      h = merge(h, v3);
      h = merge(h, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    while (off + 8 <= end) {
      h ^= round(0, le64(b, off));
      h = Long.rotateLeft(h, 27) * P1 + P4;
      off += 8;
    }
    if (off + 4 <= end) {
      h ^= (le32(b, off) & 0xFFFF_FFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      off += 4;
    }
    while (off < end) {
      h ^= (b.charAt(off) & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      off++;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long merge(long acc, long v) {
    acc ^= round(0, v);
    return acc * P1 + P4;
  }

  private static long le64(CharSequence b, int i) {
    return (le32(b, i) & 0xFFFF_FFFFL) | (le32(b, i + 4) & 0xFFFF_FFFFL) << 32;
  }

  private static int le32(CharSequence b, int i) {
    return (b.charAt(i) & 0xFF)
        | (b.charAt(i + 1) & 0xFF) << 8
        | (b.charAt(i + 2) & 0xFF) << 16
        | (b.charAt(i + 3) & 0xFF) << 24;
  }
}
