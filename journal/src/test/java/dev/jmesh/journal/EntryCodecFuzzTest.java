package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.fuzz.MutationFuzz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the journal's entry decoder with the bytes of one entry ({@code
 * src/test/resources/fuzz/entry/}: entries of format version 1 as the writer lays them out). Each
 * input is read twice: as it is, where the checksum stops nearly every mutant, and with its
 * checksum made to match, so the payload decoder sees the mutant too. Either read gives an entry or
 * a {@link CorruptEntryException}, which the reader turns into a skipped entry with its place;
 * anything else would end {@code mesh replay}. A longer run: {@code mvn -o test -pl journal
 * -Dtest=EntryCodecFuzzTest -Dfuzz.seconds=600}.
 */
class EntryCodecFuzzTest {

  @Test
  void theSeedsAreEntriesOfTheCurrentFormat() {
    for (String seed : new String[] {"http-get", "http-post-body", "grpc", "tcp"}) {
      byte[] bytes = resource("/fuzz/entry/" + seed + ".bin");
      JournalEntry entry = EntryCodec.read(7, Bytes.wrapForRead(bytes));
      assertThat(entry.index()).isEqualTo(7);
      assertThat(entry.formatVersion()).isEqualTo(EntryCodec.FORMAT_VERSION);
    }
    JournalEntry get = EntryCodec.read(0, Bytes.wrapForRead(resource("/fuzz/entry/http-get.bin")));
    assertThat(get.path()).isEqualTo("/reviews/1");
    assertThat(get.requestId()).isEqualTo("req-1");
  }

  @Test
  void anyBytesDecodeToAnEntryOrACorruptEntryException() {
    MutationFuzz.Result result =
        MutationFuzz.corpus("entry")
            .dictionary(
                "\u0000", "\u0001", "\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u0001")
            .maxLength(4096)
            .run(
                input -> {
                  decode(input);
                  if (input.length > 5) {
                    decode(withMatchingChecksum(input));
                  }
                });
    assertThat(result.mutations()).isPositive();
  }

  private static void decode(byte[] input) {
    try {
      EntryCodec.read(0, Bytes.wrapForRead(input));
    } catch (CorruptEntryException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  private static byte[] withMatchingChecksum(byte[] input) {
    CRC32C crc = new CRC32C();
    crc.update(input, 5, input.length - 5);
    byte[] out = input.clone();
    ByteBuffer.wrap(out, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
    return out;
  }

  private static byte[] resource(String name) {
    try (var in = EntryCodecFuzzTest.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new AssertionError("seed " + name + " is not on the class path");
      }
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
