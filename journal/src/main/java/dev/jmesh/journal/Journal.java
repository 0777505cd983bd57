package dev.jmesh.journal;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The request journal: every request or TCP connection the data path saw, appended to a Chronicle
 * Queue on disk by one writer thread. The request path only calls {@link #offer}, which encodes
 * the record's entry into a preallocated slot of a lock-free ring and returns; it never blocks,
 * locks or allocates. When the writer falls behind and the ring is full, the entry is dropped and
 * counted.
 *
 * <pre>{@code
 * Journal journal = Journal.open(JournalSettings.builder(dir).build());   // at start-up
 * journal.offer(entry);                                                    // per request
 * journal.close();                                                         // at shutdown
 * }</pre>
 */
public final class Journal implements AutoCloseable {

  static {
    // Before any Chronicle class initialises: they read these once.
    ChronicleProperties.apply();
  }

  private static final long OPEN_TIMEOUT_MILLIS = 30_000;
  private static final long CLOSE_TIMEOUT_MILLIS = 10_000;

  private final JournalSettings settings;
  private final HandOffRing ring;
  private final JournalWriter writer;
  private final Thread thread;
  private final AtomicLong dropped = new AtomicLong();
  private final JournalLog log;
  private volatile boolean closed;

  private Journal(JournalSettings settings, Supplier<EntrySink> sink, JournalLog log)
      throws JournalException {
    this.settings = settings;
    this.log = log;
    this.ring = new HandOffRing(settings.ringCapacity(), EntryLimits.of(settings), log);
    this.writer = new JournalWriter(ring, sink, log);
    this.thread = new Thread(writer, "mesh-journal-writer");
    thread.setDaemon(true);
    thread.start();
    try {
      writer.awaitOpen(OPEN_TIMEOUT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JournalException("interrupted while opening the journal in " + directory());
    } catch (RuntimeException e) {
      stopQuietly();
      throw new JournalException(
          "cannot open the journal in " + directory() + ": " + e.getMessage(), e);
    }
  }

  private void stopQuietly() {
    closed = true;
    try {
      writer.stop(CLOSE_TIMEOUT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Opens (or continues) the journal in the settings' directory and starts its writer thread. */
  public static Journal open(JournalSettings settings) throws JournalException {
    return open(settings, null);
  }

  /** With Chronicle's clock replaced, so tests can roll cycles without waiting an hour. */
  static Journal open(JournalSettings settings, TimeProvider clock) throws JournalException {
    JournalFiles.prepareDirectory(settings.directory());
    JournalLog log = new JournalLog();
    return new Journal(settings, () -> new ChronicleSink(settings, clock, log), log);
  }

  /** With any sink: the tests' slow or failing disk. */
  static Journal openWith(JournalSettings settings, Supplier<EntrySink> sink)
      throws JournalException {
    return openWith(settings, sink, new JournalLog());
  }

  /** With any sink, saying what it says to {@code log}. */
  static Journal openWith(JournalSettings settings, Supplier<EntrySink> sink, JournalLog log)
      throws JournalException {
    return new Journal(settings, sink, log);
  }

  /**
   * Hands the record's entry to the writer thread, encoded (redacted, cut to the settings' caps),
   * so the caller may reset the record and reuse its body arrays at once. Returns false without
   * waiting when the ring is full (the entry is counted in {@link #dropped()}) or the journal is
   * closed. A record that cannot be encoded (a null reporter, say) takes its slot all the same and
   * is counted in {@link #failed()}, as an entry the disk refused is.
   */
  public boolean offer(JournalRecord record) {
    if (closed || !ring.offer(record)) {
      dropped.incrementAndGet();
      return false;
    }
    return true;
  }

  /** Entries dropped because the ring was full or the journal closed. */
  public long dropped() {
    return dropped.get();
  }

  /** Entries the writer has appended to the queue. */
  public long appended() {
    return writer.appended();
  }

  /** Entries that could not be encoded or appended (the disk failed); logged once per cause. */
  public long failed() {
    return writer.failed();
  }

  /** Entries in the ring, waiting for the writer. */
  public long pending() {
    return ring.size();
  }

  public Path directory() {
    return settings.directory();
  }

  public JournalSettings settings() {
    return settings;
  }

  /**
   * Stops taking entries, lets the writer append what the ring holds, and closes the queue.
   * Bounded: after {@link #CLOSE_TIMEOUT_MILLIS} the writer is left to finish on its own.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!writer.stop(CLOSE_TIMEOUT_MILLIS)) {
        log.once("close-timeout", "the journal writer did not finish within 10 s; not waiting");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
