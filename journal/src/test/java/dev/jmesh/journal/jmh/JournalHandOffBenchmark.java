package dev.jmesh.journal.jmh;

import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalProtocol;
import dev.jmesh.journal.JournalRecord;
import dev.jmesh.journal.JournalReporter;
import dev.jmesh.journal.JournalSettings;
import dev.jmesh.journal.JournalTesting;
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
 * What journaling costs the request path: filling a {@link JournalRecord} and {@link
 * Journal#offer}ing it, i.e. one CAS and the entry encoded into a preallocated slot's bytes.
 * Against a writer that discards (the hand-off alone) and against the real Chronicle writer (where
 * a full ring turns offers into counted drops, reported as {@code dropped}). Run by hand, never by
 * the build:
 *
 * <pre>
 * scripts/bench/journal JournalHandOff
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED"
    })
public class JournalHandOffBenchmark {

  /** discard: the ring alone; chronicle: the real writer behind it. */
  @Param({"discard", "chronicle"})
  public String writer;

  /** Request headers handed over with each record. */
  @Param({"0", "8"})
  public int headers;

  private Journal journal;
  private Path dir;

  @Setup(Level.Trial)
  public void open() throws IOException, JournalException {
    dir = Files.createTempDirectory("jmh-journal");
    JournalSettings settings = JournalSettings.builder(dir).ringCapacity(1 << 16).build();
    journal =
        writer.equals("discard") ? JournalTesting.openDiscarding(settings) : Journal.open(settings);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    journal.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** One request thread's reusable record and the strings a request already has. */
  @State(Scope.Thread)
  public static class RequestThread {
    final JournalRecord record = new JournalRecord();
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

  /** Offers and drops of the measured iteration, to tell the hand-off from the drop path. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Outcome {
    public long accepted;
    public long dropped;

    @Setup(Level.Iteration)
    public void reset() {
      accepted = 0;
      dropped = 0;
    }
  }

  @Benchmark
  public boolean fillAndOffer(RequestThread t, Outcome outcome) {
    int n = t.next++ & 63;
    JournalRecord r =
        t.record
            .reset()
            .reporter(JournalReporter.DESTINATION)
            .protocol(JournalProtocol.HTTP)
            .start(1_790_000_000_000L + n)
            .durationNanos(1_234_567L)
            .upstreamNanos(1_000_000L)
            .source("productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/productpage")
            .destination("reviews-v2", "default", "spiffe://cluster.local/ns/default/sa/reviews")
            .destinationService("reviews.default.svc.cluster.local")
            .route("reviews-v2")
            .cluster("inbound|9080||")
            .upstreamHost("127.0.0.1:9080")
            .request("GET", "reviews:9080", t.paths[n])
            .requestId(t.ids[n])
            .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
            .securityPolicy("mutual_tls")
            .responseCode(200)
            .bytes(0, 512);
    for (int h = 0; h < headers; h++) {
      r.addRequestHeader("x-header", t.paths[n]);
    }
    boolean ok = journal.offer(r);
    if (ok) {
      outcome.accepted++;
    } else {
      outcome.dropped++;
    }
    return ok;
  }
}
