package dev.jmesh.journal;

import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.Bytes;

/** Test and benchmark access to the journal's seams. */
public final class JournalTesting {

  private JournalTesting() {}

  /** A journal whose writer thread drains the ring and throws the entries away. */
  public static Journal openDiscarding(JournalSettings settings) throws JournalException {
    return Journal.openWith(
        settings,
        () ->
            new EntrySink() {
              @Override
              public void append(EntryBuffer payload) {}

              @Override
              public void close() {}
            });
  }

  /**
   * The entry a sink was handed, read back as {@code mesh replay} would read it from disk: written
   * by the writer's own {@link EntryCodec#writeEntry}, carrying its labels.
   */
  static JournalEntry decode(EntryBuffer payload) {
    Bytes<?> entry = Bytes.allocateElasticOnHeap();
    EntryCodec.writeEntry(payload, 0, entry, new CRC32C(), new byte[10]);
    return EntryCodec.read(0, entry, new LabelMemory());
  }
}
