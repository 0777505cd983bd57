package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format version 1 on disk, byte for byte. {@code src/test/resources/format/v1-entries.hex} holds
 * the Chronicle documents that the journal wrote for {@link #offerAll}'s records before the
 * hand-off ring held encoded bytes (commit 7f25d5d, where the writer thread encoded a copy of each
 * record): moving the encoding to the request thread, or any later change, must not move a byte.
 */
class EntryFormatTest {

  @TempDir Path tmp;

  @Test
  void theJournalWritesTheBytesFormatVersionOneAlwaysHas() throws Exception {
    Path dir = tmp.resolve("journal");
    try (Journal journal = Journal.open(settings(dir))) {
      offerAll(journal);
    }
    List<String> written = new ArrayList<>();
    for (byte[] entry : rawEntries(dir)) {
      written.add(HexFormat.of().formatHex(entry));
    }
    assertThat(written).containsExactlyElementsOf(golden());
  }

  @Test
  void theRecordedBytesAreEntriesOfTheCurrentFormat() throws IOException {
    List<JournalEntry> entries = new ArrayList<>();
    for (String hex : golden()) {
      entries.add(EntryCodec.read(entries.size(), Bytes.wrapForRead(HexFormat.of().parseHex(hex))));
    }
    assertThat(entries).hasSize(5);
    JournalEntry grpc = entries.get(1);
    assertThat(grpc.requestHeaders())
        .containsExactly(
            new JournalHeader("Authorization", EntryCodec.REDACTED),
            new JournalHeader("accept", "applicat"),
            new JournalHeader("X-API-KEY", EntryCodec.REDACTED));
    assertThat(grpc.requestHeadersOmitted()).isEqualTo(1);
    assertThat(grpc.requestBody()).hasSize(16);
    assertThat(grpc.requestBodyLength()).isEqualTo(31);
    JournalEntry unicode = entries.get(3);
    assertThat(unicode.path()).isEqualTo("/café/\uD83D\uDE00?q=ü");
    assertThat(unicode.requestHeaders())
        .containsExactly(
            new JournalHeader("x-emoji", "abcdefg"),
            new JournalHeader("x-lone", "x?y"),
            new JournalHeader("x-ümlaut", "naïve-ün"));
  }

  /** Settings that cut headers, values and bodies and redact a configured header. */
  static JournalSettings settings(Path dir) {
    return JournalSettings.builder(dir)
        .maxHeaders(3)
        .maxHeaderValueChars(8)
        .maxBodyBytes(16)
        .redactHeaders(List.of("x-api-key"))
        .build();
  }

  /** Records that reach every field, cap and string encoding of format version 1. */
  static void offerAll(Journal journal) throws InterruptedException {
    JournalRecord r = new JournalRecord();
    byte[] body = "{\"reviewer\":\"jason\",\"rating\":5}".getBytes(StandardCharsets.UTF_8);
    offer(journal, SampleRecords.reviews(r, 1, 1_790_000_000_001L));
    offer(
        journal,
        SampleRecords.reviews(r, 10, 1_790_000_000_010L)
            .protocol(JournalProtocol.GRPC)
            .grpcStatus(14)
            .addRequestHeader("Authorization", "Bearer abc")
            .addRequestHeader("accept", "application/json")
            .addRequestHeader("X-API-KEY", "k")
            .addRequestHeader("x-extra", "past the settings' three")
            .addResponseHeader("set-cookie", "id=1")
            .addResponseHeader("server", null)
            .requestBody(body, 0, body.length)
            .responseBody(body, 2, 5));
    offer(
        journal,
        r.reset()
            .reporter(JournalReporter.SOURCE)
            .protocol(JournalProtocol.TCP)
            .start(1_790_000_000_020L)
            .durationNanos(5)
            .source("productpage-v1", null, "")
            .destination(null, "default", null)
            .cluster("outbound|9080||reviews.default.svc.cluster.local")
            .responseFlags(1 << 3)
            .bytes(-5, 10_000_000_000L));
    offer(
        journal,
        SampleRecords.reviews(r, 3, 1_790_000_000_030L)
            .request("GET", "bücher:9080", "/café/\uD83D\uDE00?q=ü")
            .addRequestHeader("x-emoji", "abcdefg\uD83D\uDE00")
            .addRequestHeader("x-lone", "x\uD800y")
            .addRequestHeader("x-ümlaut", "naïve-ünïcödé")
            .addResponseHeader("x-low", "\uDC00z"));
    JournalRecord oneHeader = new JournalRecord(1);
    offer(
        journal,
        SampleRecords.reviews(oneHeader, 4, 1_790_000_000_040L)
            .addRequestHeader("a", "1")
            .addRequestHeader("b", "2"));
  }

  private static void offer(Journal journal, JournalRecord r) throws InterruptedException {
    while (!journal.offer(r)) {
      Thread.sleep(1);
    }
  }

  /** Each Chronicle document's bytes as the journal framed them: version, CRC, payload. */
  static List<byte[]> rawEntries(Path dir) {
    List<byte[]> entries = new ArrayList<>();
    try (SingleChronicleQueue queue =
            SingleChronicleQueueBuilder.binary(dir).readOnly(true).build();
        ExcerptTailer tailer = queue.createTailer()) {
      while (true) {
        try (DocumentContext document = tailer.readingDocument()) {
          if (!document.isPresent()) {
            return entries;
          }
          Bytes<?> bytes = document.wire().bytes();
          byte[] entry = new byte[(int) bytes.readRemaining()];
          bytes.read(entry);
          entries.add(entry);
        }
      }
    }
  }

  private static List<String> golden() throws IOException {
    try (InputStream in = EntryFormatTest.class.getResourceAsStream("/format/v1-entries.hex")) {
      assertThat(in).as("format/v1-entries.hex on the class path").isNotNull();
      List<String> lines = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          lines.add(line.trim());
        }
      }
      return lines;
    }
  }
}
