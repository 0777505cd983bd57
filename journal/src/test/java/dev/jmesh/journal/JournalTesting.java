package dev.jmesh.journal;

import java.util.Arrays;

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

  /** The entry a sink was handed, read back as {@code mesh replay} would read it from disk. */
  static JournalEntry decode(EntryBuffer payload) {
    byte[] bytes = Arrays.copyOf(payload.array(), payload.length());
    return EntryCodec.readPayload(EntryCodec.FORMAT_VERSION, 0, new EntryBytes(bytes));
  }
}
