package dev.jmesh.testapps.servers;

import java.nio.charset.StandardCharsets;

/** The repeating pattern {@code /download} streams, and the size of the chunks it is cut into. */
final class Payload {

  private static final byte[] PATTERN =
      "0123456789abcdefghijklmnopqrstuvwxyz\n".getBytes(StandardCharsets.US_ASCII);

  /** About 16 KiB, a whole number of patterns so that consecutive chunks continue the pattern. */
  static final int CHUNK = PATTERN.length * (16 * 1024 / PATTERN.length);

  /** One chunk of the pattern; every chunk is identical, so it is built once and reused. */
  static final byte[] CHUNK_BYTES = chunk();

  private Payload() {}

  private static byte[] chunk() {
    byte[] chunk = new byte[CHUNK];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = PATTERN[i % PATTERN.length];
    }
    return chunk;
  }

  /** Parses {@code name=value} out of a raw query string, or returns {@code fallback}. */
  static long queryLong(String query, String name, long fallback) {
    if (query == null) {
      return fallback;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        try {
          return Long.parseLong(pair.substring(eq + 1));
        } catch (NumberFormatException e) {
          return fallback;
        }
      }
    }
    return fallback;
  }
}
