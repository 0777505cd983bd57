package dev.jmesh.journal;

/**
 * Where the writer thread puts entries: the Chronicle Queue in production, something slow or
 * failing in tests. Called from the writer thread only, opened and closed on it too, because
 * Chronicle's appenders belong to the thread that made them.
 */
interface EntrySink extends AutoCloseable {

  void append(JournalRecord record);

  /** Called when the ring is empty, at most every few milliseconds: housekeeping time. */
  default void idle() {}

  @Override
  void close();
}
