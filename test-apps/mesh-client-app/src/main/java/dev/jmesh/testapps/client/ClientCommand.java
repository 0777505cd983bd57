package dev.jmesh.testapps.client;

/** One command kind: runs with the words after the command name and returns the details. */
@FunctionalInterface
interface ClientCommand {

  String run(String[] args) throws Exception;

  /** Checks the argument count, so a malformed line gets an error that says what was expected. */
  static void expect(String[] args, int min, String usage) {
    if (args.length < min) {
      throw new IllegalArgumentException("usage: " + usage);
    }
  }
}
