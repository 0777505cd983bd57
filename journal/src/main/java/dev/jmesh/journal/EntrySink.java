package dev.jmesh.journal;

/**
 * Where the writer thread puts entries: the Chronicle Queue in production, something slow or
 * failing in tests. Called from the writer thread only, opened and closed on it too, because
 * Chronicle's appenders belong to the thread that made them.
 */
interface EntrySink extends AutoCloseable {

  /**
   * Appends one entry: {@code payload} holds its {@link EntryCodec} payload (without version and
   * checksum) from 0 to its length. The buffer is a hand-off slot, the sink's only for this call.
   */
  void append(EntryBuffer payload);

  /** Called when the ring is empty, at most every few milliseconds: housekeeping time. */
  default void idle() {}

  @Override
  void close();
}
