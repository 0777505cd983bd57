package dev.jmesh.journal.replay;

/** A remote end (the export receiver, the traffic target) failed or refused what was sent. */
final class TargetException extends Exception {

  private static final long serialVersionUID = 1L;

  TargetException(String message) {
    super(message);
  }

  TargetException(String message, Throwable cause) {
    super(message, cause);
  }
}
