package dev.jmesh.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.RequestRecordSnapshot;
import java.io.BufferedReader;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccessLogWriterTest {

  private Path dir;
  private AccessLogWriter writer;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("jmesh-access-log");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (writer != null) {
      writer.stop();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  private static AccessLog log(Path file, AccessLogWriter writer) {
    return new AccessLog(
        List.of(new AccessLogSink(file.toString(), AccessLogFormat.text("%REQ(X-REQUEST-ID)%\n"))),
        writer);
  }

  private static RequestRecordSnapshot request(String id) {
    return new RequestRecord().requestId(id).snapshot();
  }

  @Test
  void linesAreAppendedToAnOwnerOnlyFile() throws Exception {
    Path file = dir.resolve("access.log");
    Files.writeString(file, "earlier\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    writer = new AccessLogWriter(1024);
    AccessLog log = log(file, writer);
    Path fresh = dir.resolve("fresh.log");
    AccessLog freshLog = log(fresh, writer);

    writer.offer(log, request("a"));
    writer.offer(log, request("b"));
    writer.offer(freshLog, request("c"));

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Files.exists(fresh) && Files.readString(file).endsWith("b\n"));
    assertThat(Files.readAllLines(file)).containsExactly("earlier", "a", "b");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)))
        .isEqualTo("rw-------");
    assertThat(writer.written()).isEqualTo(3);
  }

  @Test
  void aFileRotatedAwayIsReopenedAtItsPath() throws Exception {
    Path file = dir.resolve("access.log");
    writer = new AccessLogWriter(1024);
    AccessLog log = log(file, writer);
    writer.offer(log, request("before"));
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(file) && Files.size(file) > 0);

    Path rotated = dir.resolve("access.log.1");
    Files.move(file, rotated);
    // The writer looks for rotation about once a second, on its own.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int n = 0;
    while (!Files.exists(file) && System.nanoTime() < deadline) {
      writer.offer(log, request("after-" + n++));
      Thread.sleep(100);
    }

    assertThat(file).exists();
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(file).contains("after-"));
    assertThat(Files.readString(rotated)).startsWith("before\n");
  }

  /**
   * A writer stuck on its file (here a FIFO nobody reads, so opening it blocks as a hung disk
   * would) never makes a request wait: the queue fills, further lines are dropped and counted, and
   * every offer returns at once.
   */
  @Test
  void aFullQueueDropsAndCountsAndNeverBlocks() throws Exception {
    Path fifo = dir.resolve("stuck.fifo");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mkfifo.exitValue()).isZero();
    int capacity = 64;
    writer = new AccessLogWriter(capacity);
    AccessLog log = log(fifo, writer);

    writer.offer(log, request("first"));
    await().atMost(Duration.ofSeconds(5)).until(() -> writer.written() == 1);
    // The writer flushes once the queue is dry: it is now blocked opening the FIFO.
    Thread.sleep(300);

    int offers = capacity + 100;
    long start = System.nanoTime();
    int accepted = 0;
    for (int i = 0; i < offers; i++) {
      accepted += writer.offer(log, request("r" + i)) ? 1 : 0;
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(accepted).isEqualTo(capacity);
    assertThat(writer.dropped()).isEqualTo(offers - capacity);
    assertThat(tookMillis).as("offers never wait for the writer").isLessThan(1000);

    // Once the FIFO is read the writer catches up with what it had queued.
    CompletableFuture<List<String>> read =
        CompletableFuture.supplyAsync(
            () -> {
              List<String> lines = new ArrayList<>();
              try (BufferedReader in = Files.newBufferedReader(fifo, StandardCharsets.UTF_8)) {
                String line;
                while (lines.size() < capacity + 1 && (line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              return lines;
            });
    List<String> lines = read.get(10, TimeUnit.SECONDS);
    assertThat(lines).hasSize(capacity + 1).startsWith("first", "r0", "r1");
  }

  /**
   * The request thread's whole cost in memory is the snapshot and its queue entry: formatting and
   * writing allocate on the writer's thread only.
   */
  @Test
  void aHandOffAllocatesOnlyTheSnapshotOnTheRequestThread() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    writer = new AccessLogWriter(AccessLogWriter.DEFAULT_CAPACITY);
    AccessLog log =
        new AccessLog(
            List.of(
                new AccessLogSink("/dev/null", AccessLogFormat.text(AccessLogFormat.ISTIO_TEXT))),
            writer);
    RequestRecord record =
        new RequestRecord()
            .request("GET", "reviews:9080", "/reviews/1")
            .requestId("0b5e6f1c-1f0d-4f0a-9d35-62ad1d1f2b7e")
            .responseCode(200);
    for (int i = 0; i < 5_000; i++) {
      log.record(record);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> writer.written() == 5_000);
    int n = 10_000;
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < n; i++) {
      log.record(record);
    }
    long perHandOff = (threads.getCurrentThreadAllocatedBytes() - before) / n;

    assertThat(writer.dropped()).isZero();
    // A snapshot (18 references, 3 ints, 5 longs: 136 bytes) and an entry (24 bytes).
    assertThat(perHandOff).isLessThanOrEqualTo(176);
  }
}
