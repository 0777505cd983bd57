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
 * appending). A missing directory, one without entries and an entry that does not decode each give
 * a {@link JournalException} that names the directory, the cycle file and what to do.
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

  private final Path directory;
  private final SingleChronicleQueue queue;

  private JournalReader(Path directory, SingleChronicleQueue queue) {
    this.directory = directory;
    this.queue = queue;
  }

  public static JournalReader open(Path directory) throws JournalException {
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
      queue = SingleChronicleQueueBuilder.binary(directory).readOnly(true).build();
    } catch (RuntimeException | AssertionError | LinkageError e) {
      throw new JournalException(
          "journal directory "
              + directory
              + " cannot be opened as a Chronicle Queue: "
              + ChronicleAccess.explain(e),
          e);
    }
    return new JournalReader(directory, queue);
  }

  public Path directory() {
    return directory;
  }

  /** Entries in the journal, counted from Chronicle's indexes without reading them. */
  public long count() throws JournalException {
    try {
      long first = queue.firstIndex();
      long last = queue.lastIndex();
      if (first == Long.MAX_VALUE || last < 0) {
        return 0;
      }
      return queue.countExcerpts(first, last) + 1;
    } catch (RuntimeException e) {
      throw new JournalException("cannot count the entries in " + directory + ": " + e, e);
    }
  }

  /**
   * Reads every entry, oldest first, until the visitor returns false. Throws when the journal has
   * no entry at all, or for the first entry that does not decode, naming its cycle file.
   */
  public long read(EntryVisitor visitor) throws JournalException {
    long read = 0;
    long index = -1;
    try (ExcerptTailer tailer = queue.createTailer()) {
      tailer.toStart();
      while (true) {
        JournalEntry entry;
        try (DocumentContext document = tailer.readingDocument()) {
          if (!document.isPresent()) {
            break;
          }
          index = document.index();
          if (!document.isData()) {
            continue;
          }
          Bytes<?> bytes = document.wire().bytes();
          entry = EntryCodec.read(index, bytes);
        }
        read++;
        if (!visitor.visit(entry)) {
          return read;
        }
      }
    } catch (CorruptEntryException e) {
      throw corrupt(index, e.getMessage(), e);
    } catch (RuntimeException | AssertionError | LinkageError e) {
      throw corrupt(index, ChronicleAccess.explain(e), e);
    }
    if (read == 0) {
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
