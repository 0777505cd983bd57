package dev.jmesh.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where known bytes sit in a cycle file, for tests that damage one entry on purpose. */
public final class CycleFileBytes {

  private CycleFileBytes() {}

  /** The offset of an entry's start time (8 bytes, little-endian) in {@code file}. */
  public static long findStart(Path file, long startMillis) throws IOException {
    byte[] needle =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(startMillis).array();
    return indexOf(Files.readAllBytes(file), needle, "start time " + startMillis, file);
  }

  /** The offset of the first occurrence of {@code text} (ASCII) in {@code file}. */
  public static long find(Path file, String text) throws IOException {
    byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
    return indexOf(Files.readAllBytes(file), needle, "\"" + text + "\"", file);
  }

  private static long indexOf(byte[] bytes, byte[] needle, String what, Path file) {
    outer:
    for (int i = 0; i <= bytes.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError(what + " not found in " + file);
  }
}
