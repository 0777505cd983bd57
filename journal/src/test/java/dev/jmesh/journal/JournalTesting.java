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
              public void append(JournalRecord record) {}

              @Override
              public void close() {}
            });
  }
}
