package dev.jmesh.journal;

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
   * The entry a sink was handed, read back as {@code mesh replay} would read it from disk, written
   * with its labels (a slot holds no labels-back varint; the writer adds it).
   */
  static JournalEntry decode(EntryBuffer payload) {
    byte[] bytes = new byte[payload.length() + 1];
    int labels = EntryCodec.LABELS_OFFSET;
    System.arraycopy(payload.array(), 0, bytes, 0, labels);
    System.arraycopy(payload.array(), labels, bytes, labels + 1, payload.length() - labels);
    return EntryCodec.readPayload(
        EntryCodec.FORMAT_VERSION, 0, new EntryBytes(bytes), new LabelMemory());
  }
}
