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
 * The entry formats on disk, byte for byte. {@code src/test/resources/format/v1-entries.hex} holds
 * the Chronicle documents that the journal wrote for {@link #offerAll}'s records in format version
 * 1 (commit 7f25d5d); every later reader must read them. {@code v2-entries.hex} holds what version
 * 2 writes for the same records, labels by reference included: any later change must not move a
 * byte of it, and both files must read back as the same requests.
 */
class EntryFormatTest {

  @TempDir Path tmp;

  @Test
  void theJournalWritesTheBytesFormatVersionTwoAlwaysHas() throws Exception {
    Path dir = tmp.resolve("journal");
    try (Journal journal = Journal.open(settings(dir))) {
      offerAll(journal);
    }
    List<String> written = new ArrayList<>();
    for (byte[] entry : rawEntries(dir)) {
      written.add(HexFormat.of().formatHex(entry));
    }
    assertThat(written).containsExactlyElementsOf(golden("v2"));
  }

  @Test
  void versionTwoReadsBackAsTheSameRequestsAsVersionOne() throws IOException {
    List<JournalEntry> one = read(golden("v1"));
    List<JournalEntry> two = read(golden("v2"));
    assertThat(one).extracting(JournalEntry::formatVersion).containsOnly(1);
    assertThat(two).extracting(JournalEntry::formatVersion).containsOnly(2);
    assertThat(two)
        .usingRecursiveFieldByFieldElementComparatorIgnoringFields("formatVersion")
        .containsExactlyElementsOf(one);
    // The second entry took its labels from the first, the fifth four entries back.
    assertThat(two.get(1).destinationPrincipal())
        .isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(two.get(4).upstreamHost()).isEqualTo("127.0.0.1:9080");
  }

  @Test
  void versionTwoWritesLabelsOnceAndRefersToThem() throws IOException {
    List<String> v1 = golden("v1");
    List<String> v2 = golden("v2");
    // After the kind byte, a labels-back varint: 0 where the labels follow.
    assertThat(v2)
        .extracting(hex -> hex.substring(12, 14))
        .containsExactly("00", "01", "00", "00", "04");
    // The labels of a plain request are some 200 of its bytes.
    assertThat(v2.get(4).length() / 2).isLessThan(v1.get(4).length() / 2 - 190);
  }

  @Test
  void theRecordedBytesReadInEveryVersion() throws IOException {
    for (String version : new String[] {"v1", "v2"}) {
      theRecordedBytesRead(read(golden(version)));
    }
  }

  private static void theRecordedBytesRead(List<JournalEntry> entries) {
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

  /**
   * Records that reach every field, cap and string encoding of format versions 1 and 2, and in
   * version 2 both kinds of labels: carried, and referred to one and four entries back.
   */
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

  /** Entries read in order, as the journal's reader reads a cycle file. */
  private static List<JournalEntry> read(List<String> hexes) {
    LabelMemory labels = new LabelMemory();
    List<JournalEntry> entries = new ArrayList<>();
    for (String hex : hexes) {
      entries.add(
          EntryCodec.read(entries.size(), Bytes.wrapForRead(HexFormat.of().parseHex(hex)), labels));
    }
    return entries;
  }

  static List<String> golden(String version) throws IOException {
    String name = "/format/" + version + "-entries.hex";
    try (InputStream in = EntryFormatTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name + " on the class path").isNotNull();
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
