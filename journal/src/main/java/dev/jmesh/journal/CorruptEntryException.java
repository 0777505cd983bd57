package dev.jmesh.journal;

/** An entry whose bytes are not a journal entry this reader knows; the reader adds where. */
final class CorruptEntryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  CorruptEntryException(String message) {
    super(message);
  }

  CorruptEntryException(String message, Throwable cause) {
    super(message, cause);
  }
}
