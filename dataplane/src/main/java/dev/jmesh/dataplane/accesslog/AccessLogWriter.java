package dev.jmesh.dataplane.accesslog;

import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.RequestRecordSnapshot;
import dev.jmesh.dataplane.stats.PrometheusText;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes finished requests off the request path: request threads {@link #offer} a snapshot to a
 * bounded lock-free queue and go on; one writer thread formats each line and writes it, buffered,
 * to its file. When the queue is full the line is dropped and counted ({@link #dropped()}), so the
 * application never waits for the disk. The writer flushes whenever the queue runs dry, so a quiet
 * workload's lines appear within milliseconds, and checks about once a second whether a file was
 * rotated away.
 *
 * <p>One per process ({@link #shared()}), started on first use; tests make their own.
 */
public final class AccessLogWriter {

  /** Requests queued before lines are dropped. */
  public static final int DEFAULT_CAPACITY = 16 * 1024;

  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long ROTATION_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private record Entry(AccessLog log, RequestRecordSnapshot record) {}

  private final Queue<Entry> queue;
  private final int capacity;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Map<String, LogFile> files = new HashMap<>();
  private final StringBuilder line = new StringBuilder(512);
  private final Thread thread;
  private volatile boolean idle;
  private volatile boolean dropWarned;
  private volatile boolean stopped;
  private long lastRotationCheck = System.nanoTime();
  private int sinceCheck;

  public AccessLogWriter(int capacity) {
    this.capacity = capacity;
    this.queue = PlatformDependent.newFixedMpscQueue(capacity);
    this.thread = new Thread(this::run, "jmesh-access-log");
    thread.setDaemon(true);
    thread.start();
  }

  private static final class Shared {
    static final AccessLogWriter INSTANCE = new AccessLogWriter(DEFAULT_CAPACITY);

    static {
      started = INSTANCE;
      // Lines still queued when the JVM exits are written first, for two seconds at most.
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> INSTANCE.stop(2_000), "jmesh-access-log-flush"));
    }
  }

  /** The shared writer once something used it; {@code null} before, so no thread is started. */
  private static volatile AccessLogWriter started;

  /** The process's writer, started on first use. */
  public static AccessLogWriter shared() {
    return Shared.INSTANCE;
  }

  /**
   * Appends the shared writer's counters to a {@code /stats/prometheus} page: lines written and
   * dropped (zero while no access log was configured).
   */
  public static void writeSharedTo(PrometheusText text) {
    AccessLogWriter w = started;
    text.header(
        "jmesh_access_log_lines_total",
        "counter",
        "Access log lines: written, dropped because the writer's queue was full, or failed"
            + " because their file could not be written.");
    text.sample("jmesh_access_log_lines_total", w == null ? 0 : w.written(), "result", "written");
    text.sample("jmesh_access_log_lines_total", w == null ? 0 : w.dropped(), "result", "dropped");
    text.sample("jmesh_access_log_lines_total", w == null ? 0 : w.failed(), "result", "failed");
  }

  /**
   * Queues a snapshot of {@code record} for {@code log}'s files; when the queue is already full the
   * line is dropped before the snapshot is taken, so a writer that cannot keep up costs the request
   * path no allocation.
   */
  public boolean offer(AccessLog log, RequestRecord record) {
    if (queue.size() >= capacity) {
      drop();
      return false;
    }
    return offer(log, record.snapshot());
  }

  /**
   * Queues {@code record} for {@code log}'s files. Lock-free and never blocking; whether the record
   * was queued (false: the queue was full, the line is dropped and counted).
   */
  public boolean offer(AccessLog log, RequestRecordSnapshot record) {
    if (!queue.offer(new Entry(log, record))) {
      drop();
      return false;
    }
    if (idle) {
      LockSupport.unpark(thread);
    }
    return true;
  }

  private void drop() {
    dropped.increment();
    if (!dropWarned) {
      // A plain flag first: a saturated writer drops millions of lines, each one cheaply.
      dropWarned = true;
      MeshLog.warnOnce(
          "access-log-dropped",
          "the access log's queue is full: lines are dropped (and counted) rather than make"
              + " requests wait for the disk");
    }
  }

  /** Lines dropped because the queue was full. */
  public long dropped() {
    return dropped.sum();
  }

  /** Lines written (handed to the file system; buffered lines count once flushed or not). */
  public long written() {
    return written.sum();
  }

  /** Lines lost because their file could not be written. */
  public long failed() {
    return failed.sum();
  }

  /** Stops the thread after it has written what is queued; for tests and shutdown. */
  public void stop() throws InterruptedException {
    stopped = true;
    LockSupport.unpark(thread);
    thread.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** As {@link #stop()}, waiting at most {@code millis}; for the JVM's shutdown. */
  private void stop(long millis) {
    stopped = true;
    LockSupport.unpark(thread);
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (true) {
      Entry e = queue.poll();
      if (e == null) {
        flushAll();
        checkRotation();
        if (stopped) {
          return;
        }
        idle = true;
        // Look again after announcing idleness: an offer in between may not have unparked us.
        if (queue.isEmpty() && !stopped) {
          LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        }
        idle = false;
        continue;
      }
      write(e);
      if (++sinceCheck >= 1024) {
        sinceCheck = 0;
        checkRotation();
      }
    }
  }

  private void write(Entry e) {
    for (AccessLogSink sink : e.log().sinks()) {
      LogFile file = files.computeIfAbsent(sink.path(), LogFile::new);
      try {
        line.setLength(0);
        sink.format().appendTo(line, e.record());
        file.write(line);
        written.increment();
      } catch (IOException | RuntimeException ex) {
        failed.increment();
        MeshLog.warnOnce(
            "access-log-write-" + sink.path(),
            "access log " + sink.path() + ": cannot write (" + ex + "); its lines are dropped");
        file.closeQuietly();
      }
    }
  }

  private void flushAll() {
    for (LogFile file : files.values()) {
      try {
        file.flush();
      } catch (IOException ex) {
        failed.increment();
        MeshLog.warnOnce(
            "access-log-write-" + file.path(),
            "access log " + file.path() + ": cannot write (" + ex + "); its lines are dropped");
        file.closeQuietly();
      }
    }
  }

  private void checkRotation() {
    long now = System.nanoTime();
    if (now - lastRotationCheck < ROTATION_CHECK_NANOS) {
      return;
    }
    lastRotationCheck = now;
    for (LogFile file : files.values()) {
      try {
        file.reopenIfRotated();
      } catch (IOException ex) {
        file.closeQuietly();
      }
    }
  }
}
