package dev.jmesh.journal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Appends entries to a Chronicle Queue, one excerpt per entry in the {@link EntryCodec} format, and
 * keeps the queue's directory within its retention bounds when a new cycle starts and every {@link
 * #SWEEP_MILLIS}. Chronicle locks and rolls files synchronously, which is why only the writer
 * thread ever gets here.
 */
final class ChronicleSink implements EntrySink {

  /** Chronicle grows a cycle file by this much at a time; the sparse tail costs no disk. */
  static final long BLOCK_SIZE = 16L << 20;

  private static final long SWEEP_MILLIS = 10_000;

  private final Path directory;
  private final SingleChronicleQueue queue;
  private final CycleRetention retention;
  private final JournalLog log;
  private final CRC32C crc = new CRC32C();
  private final LabelReferences labels = new LabelReferences();
  private final byte[] scratch = new byte[10];
  private ExcerptAppender appender;
  private int cycle = Integer.MIN_VALUE;
  private long lastSweep;

  ChronicleSink(JournalSettings settings, TimeProvider clock, JournalLog log) {
    this.directory = settings.directory();
    this.retention = new CycleRetention(directory, settings.retainBytes(), settings.retainCycles());
    this.log = log;
    SingleChronicleQueueBuilder builder =
        SingleChronicleQueueBuilder.binary(directory)
            .rollCycle(settings.roll().rollCycle())
            .blockSize(BLOCK_SIZE)
            .storeFileListener(new TightenOnAcquire());
    if (clock != null) {
      builder.timeProvider(clock);
    }
    this.queue = builder.build();
    JournalFiles.tightenAll(directory);
  }

  @Override
  public void append(EntryBuffer payload) {
    if (appender == null) {
      appender = queue.createAppender();
    }
    long index;
    int entryCycle;
    long labelsBack;
    try (DocumentContext document = appender.writingDocument()) {
      try {
        // The index Chronicle gives this document, with any roll to a new cycle already done: a
        // reference never crosses into another cycle file.
        index = document.index();
        entryCycle = queue.rollCycle().toCycle(index);
        labelsBack = labels.distance(payload, index, entryCycle);
        EntryCodec.writeEntry(payload, labelsBack, document.wire().bytes(), crc, scratch);
      } catch (RuntimeException e) {
        document.rollbackOnClose();
        throw e;
      }
    }
    if (labelsBack == 0) {
      labels.written(payload, index, entryCycle);
    }
    int now = appender.cycle();
    if (now != cycle) {
      boolean rolled = cycle != Integer.MIN_VALUE;
      cycle = now;
      if (rolled) {
        sweep();
      } else {
        JournalFiles.tightenAll(directory);
      }
    }
  }

  @Override
  public void idle() {
    long now = System.currentTimeMillis();
    if (now - lastSweep >= SWEEP_MILLIS) {
      sweep();
    }
  }

  /** Deletes cycles beyond the retention bounds and tightens any new file. */
  void sweep() {
    lastSweep = System.currentTimeMillis();
    try {
      List<Path> deleted = retention.sweep();
      if (!deleted.isEmpty()) {
        queue.refreshDirectoryListing();
      }
    } catch (IOException | RuntimeException e) {
      log.once("retention", "cannot apply the journal's retention in " + directory + ": " + e);
    }
    JournalFiles.tightenAll(directory);
  }

  @Override
  public void close() {
    try {
      if (appender != null) {
        appender.close();
      }
    } finally {
      queue.close();
      JournalFiles.tightenAll(directory);
    }
  }

  /** Chronicle creates files with the process umask; 0600 as soon as it maps one. */
  private static final class TightenOnAcquire implements StoreFileListener {
    @Override
    public void onAcquired(int cycle, File file) {
      JournalFiles.tighten(file.toPath());
    }

    @Override
    public void onReleased(int cycle, File file) {}
  }
}
