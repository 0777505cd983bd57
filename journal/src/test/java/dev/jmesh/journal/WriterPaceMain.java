package dev.jmesh.journal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The writer thread's CPU per entry at a steady offered rate, which JMH's writer benchmark (as fast
 * as the ring takes entries) cannot show: a proxy serving a few thousand requests a second pays
 * for every wake-up of the writer with only a few entries to share it. Public API only, so the
 * same file measures any build's journal (the proxy's jar holds it and Chronicle):
 *
 * <pre>
 * java --add-exports=java.base/sun.nio.ch=ALL-UNNAMED ... -cp mesh-proxy.jar \
 *     journal/src/test/java/dev/jmesh/journal/WriterPaceMain.java RATE SECONDS [WARM_SECONDS]
 * </pre>
 *
 * A measurement, not a test: it prints the writer's CPU time over the run (after a warm-up at the
 * same rate, 3 s unless given) divided by the entries it appended. Compare builds that append a
 * document per entry with ones that append far fewer documents after a warm-up of a minute: code
 * that runs a few hundred times a second is still interpreted or C1-compiled after 3 s, which made
 * a batching prototype look 30–100 % worse at 5 000 entries/s than it is once compiled.
 */
public final class WriterPaceMain {

  private static final int DEFAULT_WARM_SECONDS = 3;

  private WriterPaceMain() {}

  public static void main(String[] args) throws Exception {
    int rate = Integer.parseInt(args[0]);
    int seconds = Integer.parseInt(args[1]);
    int warmSeconds = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_WARM_SECONDS;
    Path dir = Files.createTempDirectory("journal-pace");
    try (Journal journal = Journal.open(JournalSettings.builder(dir).build())) {
      JournalRecord record = inboundRequest(new JournalRecord());
      Thread writer = writerThread();
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      offer(journal, record, rate, warmSeconds);
      long cpu = threads.getThreadCpuTime(writer.getId());
      long appended = journal.appended();
      offer(journal, record, rate, seconds);
      cpu = threads.getThreadCpuTime(writer.getId()) - cpu;
      appended = journal.appended() - appended;
      System.out.printf(
          "offered %d/s for %d s: writer CPU %d ms, %d entries appended, %.2f us per entry,"
              + " %d dropped%n",
          rate,
          seconds,
          TimeUnit.NANOSECONDS.toMillis(cpu),
          appended,
          cpu / 1e3 / Math.max(1, appended),
          journal.dropped());
    }
  }

  /** Offers {@code rate} entries a second, a millisecond's worth at a time, like a busy loop. */
  private static void offer(Journal journal, JournalRecord record, int rate, int seconds) {
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    long end = next + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      while (next <= now) {
        journal.offer(record);
        next += period;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  private static Thread writerThread() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("mesh-journal-writer")) {
        return t;
      }
    }
    throw new IllegalStateException("no mesh-journal-writer thread");
  }

  /** What mesh-proxy's inbound journals for a plaintext request, without headers or bodies. */
  private static JournalRecord inboundRequest(JournalRecord r) {
    return r.reporter(JournalReporter.DESTINATION)
        .protocol(JournalProtocol.HTTP)
        .start(System.currentTimeMillis())
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
        .securityPolicy("mutual_tls")
        .responseCode(200)
        .bytes(0, 512);
  }
}
