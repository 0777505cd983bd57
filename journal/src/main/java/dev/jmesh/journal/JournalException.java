package dev.jmesh.journal;

/**
 * The journal cannot be opened or read: a missing, empty or corrupt journal directory, or one the
 * process may not write. The message says what, where and how to fix it.
 */
public final class JournalException extends Exception {

  private static final long serialVersionUID = 1L;

  public JournalException(String message) {
    super(message);
  }

  public JournalException(String message, Throwable cause) {
    super(message, cause);
  }
}
