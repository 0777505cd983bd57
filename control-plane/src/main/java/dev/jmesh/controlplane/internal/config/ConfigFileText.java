package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.internal.yaml.YamlLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads one config file as text, refusing before it is parsed what is no YAML a person wrote: a
 * file over {@link YamlLimits#MAX_FILE_BYTES} (checked before reading, and again while reading, for
 * a file that grows meanwhile) and bytes that are not UTF-8, which is what a binary file copied
 * into the directory looks like. A lenient decode would turn those into U+FFFD and let the YAML
 * parser report something far less clear.
 */
final class ConfigFileText {
  private ConfigFileText() {}

  /** The file is not config text; {@code line} is where, 0 for the whole file. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int line;

    Refused(int line, String message) {
      super(message);
      this.line = line;
    }
  }

  static String read(Path file) throws IOException, Refused {
    long size = Files.size(file);
    if (size > YamlLimits.MAX_FILE_BYTES) {
      throw tooLarge(size);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(YamlLimits.MAX_FILE_BYTES + 1);
    }
    if (bytes.length > YamlLimits.MAX_FILE_BYTES) {
      throw tooLarge(bytes.length);
    }
    return decode(bytes);
  }

  static String decode(byte[] bytes) throws Refused {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int at = in.position();
      throw new Refused(
          lineAt(bytes, at),
          "is not UTF-8 text (byte "
              + at
              + " is 0x"
              + Integer.toHexString(bytes[at] & 0xFF)
              + "); config files are UTF-8 YAML. Is this a binary file? Move it out of the config"
              + " directory");
    }
    decoder.flush(out);
    out.flip();
    return out.toString();
  }

  private static int lineAt(byte[] bytes, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (bytes[i] == '\n') {
        line++;
      }
    }
    return line;
  }

  private static Refused tooLarge(long size) {
    return new Refused(
        0,
        "is "
            + size
            + " bytes, over the limit of "
            + YamlLimits.MAX_FILE_BYTES
            + " bytes for one config file; split it into several files");
  }
}
