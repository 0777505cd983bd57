package dev.jmesh.cli;

/** Ends the command with a message for the user and one of the documented exit codes. */
final class CommandFailure extends RuntimeException {

  /** Something is wrong in the mesh: a NACK, an unknown workload. */
  static final int WRONG = 1;

  /** The command line is wrong: an unknown option, a missing argument, an ambiguous workload. */
  static final int USAGE = 2;

  /** The control plane's debug HTTP API did not answer, or answered as something else would. */
  static final int UNREACHABLE = 3;

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CommandFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
