package dev.jmesh.journal;

/**
 * An entry whose bytes are not a journal entry this reader knows; the reader adds where. A damaged
 * entry is skipped (Chronicle framed it, so the next one is found); an entry of a newer format
 * stops the read, since every later one is likely newer too.
 */
final class CorruptEntryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final boolean newerFormat;

  CorruptEntryException(String message) {
    this(message, null, false);
  }

  CorruptEntryException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private CorruptEntryException(String message, Throwable cause, boolean newerFormat) {
    super(message, cause);
    this.newerFormat = newerFormat;
  }

  static CorruptEntryException newerFormat(String message) {
    return new CorruptEntryException(message, null, true);
  }

  /** True when a newer writer wrote the entry: this reader cannot read on. */
  boolean newerFormat() {
    return newerFormat;
  }
}
