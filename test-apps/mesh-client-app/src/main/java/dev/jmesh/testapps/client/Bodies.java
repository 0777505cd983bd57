package dev.jmesh.testapps.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Reading and generating bodies without ever holding a large one in memory. */
final class Bodies {

  /** How much of a response body a result line shows. */
  static final int SHOWN = 64 * 1024;

  private static final byte[] PATTERN =
      "0123456789abcdefghijklmnopqrstuvwxyz\n".getBytes(StandardCharsets.US_ASCII);

  private Bodies() {}

  /**
   * Reads the first {@link #SHOWN} bytes as UTF-8 and drains the rest so the connection can be
   * reused.
   */
  static String readShown(InputStream body) throws IOException {
    if (body == null) {
      return "";
    }
    try (body) {
      byte[] shown = body.readNBytes(SHOWN);
      count(body);
      return new String(shown, StandardCharsets.UTF_8);
    }
  }

  /** Reads to the end, counting and dropping the bytes. */
  static long count(InputStream body) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = body.read(buffer)) >= 0; ) {
      total += n;
    }
    return total;
  }

  /**
   * Whether {@code n} bytes of {@code buffer} are the pattern {@link #write} sends, starting {@code
   * offset} bytes into it: so an echo shows that nothing was added or changed on the way.
   */
  static boolean isPattern(byte[] buffer, int n, long offset) {
    for (int i = 0; i < n; i++) {
      if (buffer[i] != PATTERN[(int) ((offset + i) % PATTERN.length)]) {
        return false;
      }
    }
    return true;
  }

  /** Writes {@code bytes} bytes of a repeating pattern, generated chunk by chunk. */
  static void write(OutputStream out, long bytes) throws IOException {
    byte[] chunk = new byte[PATTERN.length * 512];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = PATTERN[i % PATTERN.length];
    }
    for (long left = bytes; left > 0; ) {
      int n = (int) Math.min(left, chunk.length);
      out.write(chunk, 0, n);
      left -= n;
    }
    out.flush();
  }
}
