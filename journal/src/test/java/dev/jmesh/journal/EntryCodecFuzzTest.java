package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.testing.fuzz.MutationFuzz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the journal's entry decoder with the bytes of one entry ({@code
 * src/test/resources/fuzz/entry/}: entries of format version 1, and {@code v2-*} of version 2, as
 * the writer lays them out; one of them refers to the labels of the entry before it). Each input is
 * read as entry 1, after {@code v2-http-get} was read as entry 0, so a reference back resolves.
 * Each input is read twice: as it is, where the checksum stops nearly every mutant, and with its
 * checksum made to match, so the payload decoder sees the mutant too. Either read gives an entry or
 * a {@link CorruptEntryException}, which the reader turns into a skipped entry with its place;
 * anything else would end {@code mesh replay}. A longer run: {@code mvn -o test -pl journal
 * -Dtest=EntryCodecFuzzTest -Dfuzz.seconds=600}.
 */
class EntryCodecFuzzTest {

  /** Per thread, should the fuzzer run inputs in parallel; entry 0's labels are never replaced. */
  private static final ThreadLocal<LabelMemory> PRIMED =
      ThreadLocal.withInitial(EntryCodecFuzzTest::primedLabels);

  @Test
  void theSeedsAreEntriesOfTheirFormat() {
    for (String seed : new String[] {"http-get", "http-post-body", "grpc", "tcp"}) {
      JournalEntry entry = EntryCodec.read(7, seed(seed), new LabelMemory());
      assertThat(entry.index()).isEqualTo(7);
      assertThat(entry.formatVersion()).isEqualTo(1);
    }
    JournalEntry get = EntryCodec.read(0, seed("http-get"), new LabelMemory());
    assertThat(get.path()).isEqualTo("/reviews/1");
    assertThat(get.requestId()).isEqualTo("req-1");
    JournalEntry back = EntryCodec.read(1, seed("v2-grpc-labels-back"), primedLabels());
    assertThat(back.formatVersion()).isEqualTo(EntryCodec.FORMAT_VERSION);
    assertThat(back.requestId()).isEqualTo("req-10");
    assertThat(back.destinationWorkload()).isEqualTo("reviews-v2");
    assertThatThrownBy(() -> EntryCodec.read(1, seed("v2-grpc-labels-back"), new LabelMemory()))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("its labels are those of entry 0x0, which was not read");
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

  /** A reader's memory after reading {@code v2-http-get} as entry 0. */
  private static LabelMemory primedLabels() {
    LabelMemory labels = new LabelMemory();
    EntryCodec.read(0, seed("v2-http-get"), labels);
    return labels;
  }

  private static Bytes<?> seed(String name) {
    return Bytes.wrapForRead(resource("/fuzz/entry/" + name + ".bin"));
  }

  private static void decode(byte[] input) {
    try {
      EntryCodec.read(1, Bytes.wrapForRead(input), PRIMED.get());
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
