package dev.jmesh.journal.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.ThreadMXBean;
import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TcpConnection;
import dev.jmesh.dataplane.stats.TrafficSeries;
import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalEntry;
import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalProtocol;
import dev.jmesh.journal.JournalReader;
import dev.jmesh.journal.JournalReporter;
import dev.jmesh.journal.JournalSettings;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data path's records reach the journal through {@link JournalTap} as the agent and the proxy
 * install it ({@code IstioMetrics.journal}): HTTP requests with their labels, TCP connections as
 * one entry when they close, and the request thread allocates nothing doing it.
 */
class JournalTapTest {

  private static final int RING = 1 << 12;

  @TempDir Path dir;

  private Journal journal;
  private IstioMetrics metrics;

  @BeforeEach
  void open() throws JournalException {
    journal = Journal.open(JournalSettings.builder(dir).ringCapacity(RING).build());
    metrics = new IstioMetrics();
    metrics.journal(new JournalTap(journal));
  }

  @AfterEach
  void close() {
    journal.close();
  }

  private static TrafficLabels labels(Reporter reporter) {
    return TrafficLabels.builder(reporter)
        .source(
            WorkloadLabels.builder()
                .workload("productpage-v1")
                .namespace("default")
                .principal("spiffe://cluster.local/ns/default/sa/productpage")
                .build())
        .destination(
            WorkloadLabels.builder()
                .workload("reviews-v2")
                .namespace("default")
                .principal("spiffe://cluster.local/ns/default/sa/reviews")
                .build())
        .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
        .securityPolicy(ConnectionSecurityPolicy.MUTUAL_TLS)
        .build();
  }

  private List<JournalEntry> awaitEntries(int count) throws JournalException {
    await().atMost(Duration.ofSeconds(20)).until(() -> journal.appended() >= count);
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

  @Test
  void anHttpRequestIsJournaledWithItsEdgeAndWhatItDid() throws JournalException {
    RequestRecord record =
        new RequestRecord()
            .traffic(labels(Reporter.DESTINATION))
            .protocol(RequestProtocol.HTTP)
            .start(1_790_000_000_123L, 0)
            .durationNanos(7_000_000L)
            .route("reviews-v2")
            .cluster("inbound|9080||")
            .upstreamHost("127.0.0.1:9080")
            .request("GET", "reviews:9080", "/reviews/1")
            .requestId("id-1")
            .responseCode(503)
            .addFlag(ResponseFlag.UH)
            .bytes(12, 345);

    metrics.record(record);

    JournalEntry e = awaitEntries(1).get(0);
    assertThat(e.reporter()).isEqualTo(JournalReporter.DESTINATION);
    assertThat(e.protocol()).isEqualTo(JournalProtocol.HTTP);
    assertThat(e.startEpochMillis()).isEqualTo(1_790_000_000_123L);
    assertThat(e.durationNanos()).isEqualTo(7_000_000L);
    assertThat(e.sourceWorkload()).isEqualTo("productpage-v1");
    assertThat(e.destinationPrincipal()).isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(e.destinationService()).isEqualTo("reviews.default.svc.cluster.local");
    assertThat(e.securityPolicy()).isEqualTo("mutual_tls");
    assertThat(e.path()).isEqualTo("/reviews/1");
    assertThat(e.requestId()).isEqualTo("id-1");
    assertThat(e.responseCode()).isEqualTo(503);
    assertThat(e.responseFlagsText()).isEqualTo("UH");
    assertThat(e.bytesReceived()).isEqualTo(12);
    assertThat(e.bytesSent()).isEqualTo(345);
  }

  @Test
  void aTcpConnectionIsOneEntryWhenItCloses() throws JournalException {
    TrafficSeries edge = metrics.traffic(labels(Reporter.SOURCE));
    TcpConnection c =
        metrics.tcpConnection(
            edge, 0, "outbound|3306||mysql.default.svc.cluster.local", "10.0.0.9:3306");
    c.addBytes(1000, 0);
    c.addBytes(0, 2000);
    c.closed(0, 0);

    JournalEntry e = awaitEntries(1).get(0);
    assertThat(e.protocol()).isEqualTo(JournalProtocol.TCP);
    assertThat(e.reporter()).isEqualTo(JournalReporter.SOURCE);
    assertThat(e.cluster()).isEqualTo("outbound|3306||mysql.default.svc.cluster.local");
    assertThat(e.upstreamHost()).isEqualTo("10.0.0.9:3306");
    assertThat(e.bytesSent()).isEqualTo(1000);
    assertThat(e.bytesReceived()).isEqualTo(2000);
    assertThat(e.method()).isNull();
    assertThat(e.responseFlagsText()).isEqualTo("-");
    assertThat(e.durationNanos()).isNotNegative();
  }

  /**
   * The goal the JMH benchmark measures (RequestPathJournalBenchmark), held as a test: once warm,
   * recording a request (metrics and journal hand-off) allocates nothing on the request thread. The
   * writer thread's own allocation is not the request's.
   */
  @Test
  void recordingAndHandingOffAllocatesNothingOnTheRequestThread() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    TrafficLabels labels = labels(Reporter.DESTINATION);
    TrafficSeries edge = metrics.traffic(labels);
    RequestRecord record = new RequestRecord();
    String[] paths = new String[64];
    for (int i = 0; i < paths.length; i++) {
      paths[i] = "/reviews/" + i;
    }
    int calls = 20_000;
    recordRequests(edge, labels, record, paths, calls); // warm: JIT, thread-locals, slot buffers
    long before = threads.getThreadAllocatedBytes(self);
    recordRequests(edge, labels, record, paths, calls);
    long allocated = threads.getThreadAllocatedBytes(self) - before;

    assertThat((double) allocated / calls).as("bytes per request").isLessThan(1.0);
  }

  private void recordRequests(
      TrafficSeries edge, TrafficLabels labels, RequestRecord record, String[] paths, int calls) {
    for (int i = 0; i < calls; i++) {
      while (journal.pending() > RING / 2) {
        Thread.yield(); // let the writer keep up: every call is a hand-off, not a drop
      }
      record
          .reset()
          .traffic(labels)
          .start(1_790_000_000_000L + i, 0)
          .protocol(RequestProtocol.HTTP)
          .route("reviews-v2")
          .cluster("inbound|9080||")
          .upstreamHost("127.0.0.1:9080")
          .request("GET", "reviews:9080", paths[i & 63])
          .responseCode(200)
          .bytes(0, 512)
          .durationNanos(1_000_000L);
      metrics.record(edge, record);
    }
  }
}
