package dev.jmesh.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads a journal directory back, oldest entry first, read-only (a live writer may go on
 * appending). A missing directory, one without entries, an entry of a newer format and framing
 * Chronicle cannot follow each give a {@link JournalException} that names the directory, the cycle
 * file and what to do. An entry whose own bytes are damaged (a flipped bit, a torn write) is
 * skipped and reported to the {@link DamageListener}: one bad entry does not hide the rest of the
 * journal, nor what a restarted writer appended after it.
 *
 * <pre>{@code
 * try (JournalReader reader = JournalReader.open(Path.of("/var/lib/jmesh/journal"))) {
 *   reader.read(entry -> System.out.println(entry.path()));
 * }
 * }</pre>
 */
public final class JournalReader implements AutoCloseable {

  static {
    ChronicleProperties.apply();
  }

  /** What the reader calls for each entry; may stop the read by returning false. */
  @FunctionalInterface
  public interface EntryVisitor {
    boolean visit(JournalEntry entry) throws JournalException;
  }

  /** Told of each damaged entry the reader skipped, with where and what. */
  @FunctionalInterface
  public interface DamageListener {
    void skipped(String description);
  }

  /** How long Chronicle may wait for a header that looks unfinished (damaged, in a reader). */
  static final long HEADER_WAIT_MILLIS = 500;

  private final Path directory;
  private final SingleChronicleQueue queue;
  private final DamageListener damage;
  private long damagedEntries;

  private JournalReader(Path directory, SingleChronicleQueue queue, DamageListener damage) {
    this.directory = directory;
    this.queue = queue;
    this.damage = damage;
  }

  /** Opens {@code directory}; damaged entries are skipped and only counted. */
  public static JournalReader open(Path directory) throws JournalException {
    return open(directory, description -> {});
  }

  public static JournalReader open(Path directory, DamageListener damage) throws JournalException {
    if (!Files.exists(directory)) {
      throw new JournalException(
          "journal directory "
              + directory
              + " does not exist; give the directory the proxy or agent journals into"
              + " (--journal DIR)");
    }
    if (!Files.isDirectory(directory)) {
      throw new JournalException(
          "journal directory " + directory + " is a file; give the directory that holds it");
    }
    if (!Files.isReadable(directory) || !Files.isExecutable(directory)) {
      throw new JournalException(
          "journal directory "
              + directory
              + " is not readable by this user; the journal is 0700, run mesh replay as the"
              + " workload's user");
    }
    List<Path> cycles;
    try {
      cycles = JournalFiles.cycleFiles(directory);
    } catch (IOException e) {
      throw new JournalException("cannot list the journal directory " + directory + ": " + e, e);
    }
    if (cycles.isEmpty()) {
      throw new JournalException(
          "journal directory "
              + directory
              + " holds no journal (no *"
              + JournalFiles.CYCLE_SUFFIX
              + " cycle files); is the journal enabled and is this its directory?");
    }
    SingleChronicleQueue queue;
    try {
      // A damaged header looks like one a writer has not finished: Chronicle waits for it, by
      // default for seconds per look. A reader of a file no one writes must not.
      queue =
          SingleChronicleQueueBuilder.binary(directory)
              .readOnly(true)
              .timeoutMS(HEADER_WAIT_MILLIS)
              .build();
    } catch (Exception | AssertionError | LinkageError e) {
      throw new JournalException(
          "journal directory "
              + directory
              + " cannot be opened as a Chronicle Queue: "
              + ChronicleAccess.explain(e),
          e);
    }
    return new JournalReader(directory, queue, damage);
  }

  /** Damaged entries skipped by the reads so far. */
  public long damagedEntries() {
    return damagedEntries;
  }

  public Path directory() {
    return directory;
  }

  /** Entries in the journal, counted from Chronicle's indexes without reading them. */
  public long count() throws JournalException {
    return count(Long.MIN_VALUE);
  }

  /** Entries {@link #read(long, EntryVisitor)} would look at from {@code fromMillis} on. */
  public long count(long fromMillis) throws JournalException {
    try (ExcerptTailer tailer = queue.createTailer()) {
      if (!position(tailer, fromMillis)) {
        return 0;
      }
      long first = tailer.index();
      long last = queue.lastIndex();
      if (last < 0 || first > last) {
        return 0;
      }
      return queue.countExcerpts(first, last) + 1;
    } catch (Exception | AssertionError | LinkageError | InternalError e) {
      throw new JournalException(
          "cannot count the entries in "
              + directory
              + ": "
              + ChronicleAccess.explain(e)
              + "; is a cycle file damaged? move it aside",
          e);
    }
  }

  /**
   * Puts the tailer at the start of the first cycle that can hold an entry started at or after
   * {@code fromMillis}: an entry is appended after it started, so never into an earlier cycle; one
   * cycle more is kept for a writer clock a little behind the data path's. Returns false when no
   * such cycle exists. Chronicle keeps the first cycle in its metadata file, which a cycle file
   * deleted by hand (not by the journal's retention) leaves stale: then the next cycle that has a
   * file is the start.
   */
  private boolean position(ExcerptTailer tailer, long fromMillis) {
    RollCycle roll = queue.rollCycle();
    int first = queue.firstCycle();
    int last = queue.lastCycle();
    long from = first;
    if (fromMillis != Long.MIN_VALUE) {
      from = Math.max(first, Math.floorDiv(fromMillis - queue.epoch(), roll.lengthInMillis()) - 1);
    }
    for (long c = from; c <= last; c++) {
      if (c == first ? hasFile(first) : tailer.moveToCycle((int) c)) {
        if (c == first) {
          tailer.toStart();
        }
        return true;
      }
    }
    if (fromMillis == Long.MIN_VALUE) {
      tailer.toStart(); // nothing to read: the caller says so with the directory's name
      return true;
    }
    return false;
  }

  private boolean hasFile(int cycle) {
    return Files.exists(directory.resolve(cycleFile(queue.rollCycle().toIndex(cycle, 0))));
  }

  /**
   * Reads every entry, oldest first, until the visitor returns false, skipping damaged ones (see
   * the class comment). Throws when the journal has no entry at all, or where it cannot read on,
   * naming the cycle file.
   */
  public long read(EntryVisitor visitor) throws JournalException {
    return read(Long.MIN_VALUE, visitor);
  }

  /**
   * Reads the entries from the cycle that holds {@code fromMillis} on (see {@link #position}),
   * skipping older cycle files unread; entries before {@code fromMillis} may still be handed out, a
   * caller filters them. Throws like {@link #read(EntryVisitor)}.
   */
  public long read(long fromMillis, EntryVisitor visitor) throws JournalException {
    long read = 0;
    long index = -1;
    long skipped = 0;
    LabelMemory labels = new LabelMemory();
    try (ExcerptTailer tailer = queue.createTailer()) {
      if (!position(tailer, fromMillis)) {
        return 0;
      }
      while (true) {
        JournalEntry entry;
        try (DocumentContext document = tailer.readingDocument()) {
          if (!document.isPresent()) {
            break;
          }
          long previous = index;
          index = document.index();
          if (index <= previous && previous >= 0) {
            // Damaged framing that sends the tailer back: reading on would never end.
            throw new CorruptEntryException(
                "the entries do not advance (entry 0x"
                    + Long.toHexString(index)
                    + " after 0x"
                    + Long.toHexString(previous)
                    + ")");
          }
          if (!document.isData()) {
            continue;
          }
          Bytes<?> bytes = document.wire().bytes();
          try {
            entry = EntryCodec.read(index, bytes, labels);
          } catch (CorruptEntryException e) {
            if (e.newerFormat()) {
              throw e;
            }
            damagedEntries++;
            skipped++;
            damage.skipped(
                "skipped the damaged entry 0x"
                    + Long.toHexString(index)
                    + " in cycle file "
                    + cycleFile(index)
                    + ": "
                    + e.getMessage());
            continue;
          }
        }
        read++;
        if (!visitor.visit(entry)) {
          return read;
        }
      }
    } catch (CorruptEntryException e) {
      throw corrupt(index, e.getMessage(), e);
    } catch (JournalException e) {
      throw e;
    } catch (Exception | AssertionError | LinkageError | InternalError e) {
      // A damaged length can still send Chronicle past the end of the mapped file, which the JVM
      // reports as an InternalError, not a crash. Chronicle also throws checked exceptions it does
      // not declare (StreamCorruptedException for a damaged cycle header), so everything but the
      // visitor's own error lands here.
      throw corrupt(index, ChronicleAccess.explain(e), e);
    }
    if (read == 0 && skipped > 0) {
      throw new JournalException(
          "journal "
              + directory
              + " holds only damaged entries ("
              + skipped
              + " skipped); nothing could be read");
    }
    if (read == 0 && fromMillis == Long.MIN_VALUE) {
      throw new JournalException(
          "journal directory "
              + directory
              + " has cycle files but no entries; nothing was journaled yet, or every entry was"
              + " removed");
    }
    return read;
  }

  private JournalException corrupt(long lastIndex, String problem, Throwable cause) {
    String where =
        lastIndex < 0
            ? "at its first entry"
            : "at or just after entry 0x"
                + Long.toHexString(lastIndex)
                + " in cycle file "
                + cycleFile(lastIndex);
    return new JournalException(
        "journal "
            + directory
            + " is corrupt "
            + where
            + ": "
            + problem
            + ". Entries before it were read; move the damaged cycle file aside to read the"
            + " others",
        cause);
  }

  /** The file name Chronicle gives the cycle of an index, for messages. */
  private String cycleFile(long index) {
    try {
      RollCycle roll = queue.rollCycle();
      int cycle = roll.toCycle(index);
      long millis = (long) cycle * roll.lengthInMillis();
      DateTimeFormatter format =
          DateTimeFormatter.ofPattern(roll.format()).withZone(ZoneOffset.UTC);
      return format.format(Instant.ofEpochMilli(millis)) + JournalFiles.CYCLE_SUFFIX;
    } catch (RuntimeException e) {
      return "of cycle " + queue.rollCycle().toCycle(index);
    }
  }

  @Override
  public void close() {
    queue.close();
  }
}
