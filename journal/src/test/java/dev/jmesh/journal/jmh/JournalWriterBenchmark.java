package dev.jmesh.journal.jmh;

import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalProtocol;
import dev.jmesh.journal.JournalRecord;
import dev.jmesh.journal.JournalReporter;
import dev.jmesh.journal.JournalSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * The journal writer's throughput to disk: the benchmark thread offers entries as fast as the ring
 * takes them (yielding and retrying when it is full), so in steady state operations per second are
 * entries per second appended to Chronicle Queue by the one writer thread. Run by hand:
 *
 * <pre>
 * scripts/bench/journal JournalWriter
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED"
    })
public class JournalWriterBenchmark {

  /** Request headers per entry (written, redaction checked, by the writer thread). */
  @Param({"0", "8"})
  public int headers;

  private Journal journal;
  private Path dir;
  private final JournalRecord record = new JournalRecord();

  @Setup(Level.Trial)
  public void open() throws IOException, JournalException {
    dir = Files.createTempDirectory("jmh-journal-writer");
    // Retention high enough that no cycle is deleted during the run.
    journal =
        Journal.open(
            JournalSettings.builder(dir).ringCapacity(1 << 14).retainBytes(64L << 30).build());
    record
        .reporter(JournalReporter.DESTINATION)
        .protocol(JournalProtocol.HTTP)
        .start(1_790_000_000_000L)
        .durationNanos(1_234_567L)
        .upstreamNanos(1_000_000L)
        .source("productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/productpage")
        .destination("reviews-v2", "default", "spiffe://cluster.local/ns/default/sa/reviews")
        .destinationService("reviews.default.svc.cluster.local")
        .route("reviews-v2")
        .cluster("inbound|9080||")
        .upstreamHost("127.0.0.1:9080")
        .request("GET", "reviews:9080", "/reviews/1")
        .requestId("7f1c3c8e-5b1e-4a39-9d7a-000000000001")
        .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
        .securityPolicy("mutual_tls")
        .responseCode(200)
        .bytes(0, 512);
    for (int h = 0; h < headers; h++) {
      record.addRequestHeader(h == 0 ? "authorization" : "x-header-" + h, "Bearer abcdefgh");
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    journal.close();
    System.out.println(
        "\nappended " + journal.appended() + ", dropped " + journal.dropped() + " (retries)");
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public void appendToDisk() {
    while (!journal.offer(record)) {
      // Give the core to the writer thread: on a small machine a spinning producer would
      // measure the scheduler, not the writer.
      Thread.yield();
    }
  }
}
