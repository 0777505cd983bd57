package dev.jmesh.journal.jmh;

import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TrafficSeries;
import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalSettings;
import dev.jmesh.journal.tap.JournalTap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a finished request costs the request path in all, as the agent and the proxy run it: fill
 * the thread's reused {@link RequestRecord}, then {@link IstioMetrics#record} (the four Istio
 * request metrics) which hands it to the {@link JournalTap}, which copies it into a {@code
 * JournalRecord} and offers it to a real {@link Journal} whose writer thread appends to Chronicle
 * Queue. Sampled per call, for percentiles.
 *
 * <p>The writer appends about 200 000 entries/s and this loop makes millions of requests a second,
 * so unpaced the ring would be full at once and the benchmark would time drops. Before each call
 * (untimed) the request thread yields while the ring is over half full: every timed call is a real
 * hand-off to a writer that keeps up. {@code dropped} reports any drop that still happened.
 *
 * <pre>
 * scripts/bench/journal RequestPathJournal
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED"
    })
public class RequestPathJournalBenchmark {

  private static final int RING = 1 << 13;

  /** off: record and metrics alone; chronicle: with the hand-off to the journal. */
  @Param({"off", "chronicle"})
  public String journal;

  private Path dir;
  private Journal open;
  private IstioMetrics metrics;
  private TrafficLabels labels;
  private TrafficSeries route;

  @Setup(Level.Trial)
  public void open() throws IOException, JournalException {
    metrics = new IstioMetrics();
    labels = labels();
    route = metrics.traffic(labels);
    if (journal.equals("chronicle")) {
      dir = Files.createTempDirectory("jmh-request-path");
      open = Journal.open(JournalSettings.builder(dir).ringCapacity(RING).build());
      metrics.journal(new JournalTap(open));
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    if (open != null) {
      open.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Untimed: keeps the ring from filling, so the timed call is a hand-off and not a drop. */
  @Setup(Level.Invocation)
  public void pace() {
    Journal j = open;
    while (j != null && j.pending() > RING / 2) {
      Thread.yield();
    }
  }

  /** One request thread's reused record and the strings a request already has. */
  @State(Scope.Thread)
  public static class RequestThread {
    final RequestRecord record = new RequestRecord();
    final String[] paths = new String[64];
    final String[] ids = new String[64];
    int next;

    @Setup
    public void setUp() {
      for (int i = 0; i < paths.length; i++) {
        paths[i] = "/reviews/" + i;
        ids[i] = "7f1c3c8e-5b1e-4a39-9d7a-" + String.format("%012d", i);
      }
    }
  }

  /** The journal's drops during the measured iteration (0 when pacing works). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Drops {
    public long dropped;
    private long before;
    private Journal journal;

    @Setup(Level.Iteration)
    public void start(RequestPathJournalBenchmark b) {
      journal = b.open;
      before = journal == null ? 0 : journal.dropped();
    }

    @TearDown(Level.Iteration)
    public void end() {
      dropped = journal == null ? 0 : journal.dropped() - before;
    }
  }

  private static TrafficLabels labels() {
    return TrafficLabels.builder(Reporter.DESTINATION)
        .source(
            WorkloadLabels.builder()
                .workload("productpage-v1")
                .namespace("default")
                .principal("spiffe://cluster.local/ns/default/sa/productpage")
                .app("productpage")
                .version("v1")
                .build())
        .destination(
            WorkloadLabels.builder()
                .workload("reviews-v2")
                .namespace("default")
                .principal("spiffe://cluster.local/ns/default/sa/reviews")
                .app("reviews")
                .version("v2")
                .build())
        .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
        .securityPolicy(ConnectionSecurityPolicy.MUTUAL_TLS)
        .build();
  }

  /** Fill the reused record as the inbound engine does, then record it: metrics and journal. */
  @Benchmark
  public void recordRequest(RequestThread t, Drops drops) {
    int n = t.next++ & 63;
    RequestRecord r =
        t.record
            .reset()
            .traffic(labels)
            .start(1_790_000_000_000L + n, 0)
            .protocol(RequestProtocol.HTTP)
            .route("reviews-v2")
            .cluster("inbound|9080||")
            .upstreamHost("127.0.0.1:9080")
            .request("GET", "reviews:9080", t.paths[n])
            .requestId(t.ids[n])
            .responseCode(200)
            .bytes(0, 512)
            .durationNanos(1_234_567L)
            .upstreamNanos(1_000_000L);
    metrics.record(route, r);
  }
}
