package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRoundTripTest {

  @TempDir Path tmp;

  @Test
  void everyFieldOfAnOfferedRecordIsReadBack() throws Exception {
    Path dir = tmp.resolve("journal");
    byte[] body = "{\"rating\":5}".getBytes(StandardCharsets.UTF_8);
    try (Journal journal =
        Journal.open(JournalSettings.builder(dir).maxBodyBytes(1024).maxHeaders(4).build())) {
      JournalRecord r = new JournalRecord(8);
      SampleRecords.reviews(r, 10, 1_700_000_000_123L)
          .grpcStatus(14)
          .protocol(JournalProtocol.GRPC)
          .addRequestHeader("content-type", "application/json")
          .addResponseHeader("x-envoy-upstream-service-time", "7")
          .requestBody(body, 0, body.length)
          .responseBody(body, 2, 3);
      assertThat(journal.offer(r)).isTrue();
      r.reset();
      SampleRecords.reviews(r, 11, 1_700_000_000_200L)
          .protocol(JournalProtocol.TCP)
          .reporter(JournalReporter.SOURCE)
          .upstreamNanos(JournalRecord.NO_UPSTREAM_TIME);
      assertThat(journal.offer(r)).isTrue();
    }
    List<JournalEntry> entries = readAll(dir);
    assertThat(entries).hasSize(2);
    JournalEntry e = entries.get(0);
    assertThat(e.formatVersion()).isEqualTo(EntryCodec.FORMAT_VERSION);
    assertThat(e.reporter()).isEqualTo(JournalReporter.DESTINATION);
    assertThat(e.protocol()).isEqualTo(JournalProtocol.GRPC);
    assertThat(e.startEpochMillis()).isEqualTo(1_700_000_000_123L);
    assertThat(e.durationNanos()).isEqualTo(11_000_000L);
    assertThat(e.upstreamNanos()).isEqualTo(9_000_000L);
    assertThat(e.sourceWorkload()).isEqualTo("productpage-v1");
    assertThat(e.sourceNamespace()).isEqualTo("default");
    assertThat(e.sourcePrincipal()).isEqualTo("spiffe://cluster.local/ns/default/sa/productpage");
    assertThat(e.destinationWorkload()).isEqualTo("reviews-v2");
    assertThat(e.destinationPrincipal()).isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(e.destinationService()).isEqualTo("reviews.default.svc.cluster.local");
    assertThat(e.route()).isEqualTo("default");
    assertThat(e.cluster()).isEqualTo("inbound|9080||");
    assertThat(e.upstreamHost()).isEqualTo("127.0.0.1:9080");
    assertThat(e.method()).isEqualTo("GET");
    assertThat(e.authority()).isEqualTo("reviews:9080");
    assertThat(e.path()).isEqualTo("/reviews/10");
    assertThat(e.requestId()).isEqualTo("req-10");
    assertThat(e.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(e.securityPolicy()).isEqualTo("mutual_tls");
    assertThat(e.responseCode()).isEqualTo(503);
    assertThat(e.grpcStatus()).isEqualTo(14);
    assertThat(e.responseFlagsText()).isEqualTo("UH");
    assertThat(e.bytesSent()).isEqualTo(512);
    assertThat(e.requestHeaders())
        .containsExactly(new JournalHeader("content-type", "application/json"));
    assertThat(e.responseHeaders())
        .containsExactly(new JournalHeader("x-envoy-upstream-service-time", "7"));
    assertThat(new String(e.requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"rating\":5}");
    assertThat(new String(e.responseBody(), StandardCharsets.UTF_8)).isEqualTo("rat");
    JournalEntry tcp = entries.get(1);
    assertThat(tcp.protocol()).isEqualTo(JournalProtocol.TCP);
    assertThat(tcp.reporter()).isEqualTo(JournalReporter.SOURCE);
    assertThat(tcp.upstreamNanos()).isEqualTo(JournalRecord.NO_UPSTREAM_TIME);
    assertThat(tcp.grpcStatus()).isEqualTo(JournalRecord.NO_GRPC_STATUS);
    assertThat(tcp.requestHeaders()).isEmpty();
    assertThat(tcp.requestBody()).isEmpty();
  }

  @Test
  void headersAndBodiesAreCutAtTheirCaps() throws Exception {
    Path dir = tmp.resolve("journal");
    byte[] body = new byte[5000];
    try (Journal journal =
        Journal.open(
            JournalSettings.builder(dir)
                .maxHeaders(2)
                .maxHeaderValueChars(5)
                .maxBodyBytes(100)
                .build())) {
      JournalRecord r = SampleRecords.reviews(new JournalRecord(), 1, 1L);
      r.addRequestHeader("a", "0123456789").addRequestHeader("b", "x").addRequestHeader("c", "y");
      r.requestBody(body, 0, body.length);
      journal.offer(r);
    }
    JournalEntry e = readAll(dir).get(0);
    assertThat(e.requestHeaders())
        .containsExactly(new JournalHeader("a", "01234"), new JournalHeader("b", "x"));
    assertThat(e.requestHeadersOmitted()).isEqualTo(1);
    assertThat(e.requestBody()).hasSize(100);
    assertThat(e.requestBodyLength()).isEqualTo(5000);
  }

  @Test
  void theDirectoryIsOwnerOnlyAndItsFilesAreNotReadableByOthers() throws Exception {
    Path dir = tmp.resolve("a/journal");
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      journal.offer(SampleRecords.reviews(new JournalRecord(), 1, System.currentTimeMillis()));
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> all = files.toList();
      assertThat(all).isNotEmpty();
      for (Path f : all) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
            .as(f.toString())
            .isEqualTo("rw-------");
      }
    }
  }

  @Test
  void aReusedRecordCarriesNothingOverFromTheRequestBefore() throws Exception {
    Path dir = tmp.resolve("journal");
    byte[] body = "first".getBytes(StandardCharsets.UTF_8);
    try (Journal journal =
        Journal.open(JournalSettings.builder(dir).ringCapacity(2).maxBodyBytes(64).build())) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 6; i++) {
        SampleRecords.reviews(r, i, 1L);
        if (i % 2 == 0) {
          r.addRequestHeader("a", "1").addRequestHeader("b", "2").addRequestHeader("c", "3");
          r.requestBody(body, 0, body.length).grpcStatus(2);
        } else {
          r.addRequestHeader("only", "one");
        }
        while (!journal.offer(r)) {
          Thread.sleep(1);
        }
      }
    }
    List<JournalEntry> entries = readAll(dir);
    assertThat(entries).hasSize(6);
    for (int i = 1; i < 6; i += 2) {
      JournalEntry e = entries.get(i);
      assertThat(e.requestHeaders()).containsExactly(new JournalHeader("only", "one"));
      assertThat(e.requestBody()).isEmpty();
      assertThat(e.grpcStatus()).isEqualTo(JournalRecord.NO_GRPC_STATUS);
      assertThat(entries.get(i - 1).requestHeaders()).hasSize(3);
    }
  }

  @Test
  void sizesParseAsOperatorsWriteThem() {
    assertThat(JournalSettings.parseBytes("1073741824")).isEqualTo(1L << 30);
    assertThat(JournalSettings.parseBytes("512MiB")).isEqualTo(512L << 20);
    assertThat(JournalSettings.parseBytes("2GiB")).isEqualTo(2L << 30);
    assertThat(JournalSettings.parseBytes("1.5g")).isEqualTo(3L << 29);
    assertThat(JournalSettings.parseBytes("500MB")).isEqualTo(500_000_000L);
    assertThat(JournalSettings.parseBytes("64k")).isEqualTo(65_536L);
    assertThatThrownBy(() -> JournalSettings.parseBytes("lots"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("journal size 'lots' is not a size");
    assertThatThrownBy(() -> JournalSettings.parseBytes("5 parsecs"))
        .hasMessageContaining("is not a size");
  }

  static List<JournalEntry> readAll(Path dir) throws JournalException {
    List<JournalEntry> entries = new ArrayList<>();
    try (JournalReader reader = JournalReader.open(dir)) {
      reader.read(
          entry -> {
            entries.add(entry);
            return true;
          });
    }
    return entries;
  }
}
