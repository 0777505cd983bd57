package dev.jmesh.testapps.faultrelay;

/**
 * The faults in force, an immutable snapshot swapped whole by the control port. Every chunk reads
 * the snapshot again, so a switch reaches connections already open (a client's pooled ones) too.
 *
 * @param mode what every connection gets from now on
 * @param latencyMillis added before each chunk is forwarded, either direction; 0 = none
 * @param bytesPerSecond each direction of each connection at most this fast; 0 = unlimited
 * @param resetAfterBytes with {@link Mode#RESET}, response bytes forwarded before the RST
 */
record Faults(Mode mode, long latencyMillis, long bytesPerSecond, long resetAfterBytes) {

  /** What a connection accepted under these faults gets. */
  enum Mode {
    /** Forwarded both ways. */
    PASS,
    /** Forwarded until {@code resetAfterBytes} of response, then an RST to the client. */
    RESET,
    /** The request is read and dropped; nothing is ever answered, the connection stays open. */
    HANG,
    /** Nothing is read, so the client's writes stall once the socket buffers are full. */
    SLOW_READ
  }

  static final Faults NONE = new Faults(Mode.PASS, 0, 0, 0);

  /**
   * The faults after one control command, or an {@link IllegalArgumentException} saying what is
   * wrong with it and what is accepted.
   */
  Faults apply(String command) {
    String[] words = command.trim().split("\\s+");
    switch (words[0]) {
      case "pass":
        arity(words, 1);
        return NONE;
      case "latency":
        arity(words, 2);
        return new Faults(mode, number(words[1]), bytesPerSecond, resetAfterBytes);
      case "bandwidth":
        arity(words, 2);
        return new Faults(mode, latencyMillis, number(words[1]), resetAfterBytes);
      case "reset-after":
        arity(words, 2);
        return new Faults(Mode.RESET, latencyMillis, bytesPerSecond, number(words[1]));
      case "hang":
        arity(words, 1);
        return new Faults(Mode.HANG, latencyMillis, bytesPerSecond, 0);
      case "slow-read":
        arity(words, 1);
        return new Faults(Mode.SLOW_READ, latencyMillis, bytesPerSecond, 0);
      default:
        throw new IllegalArgumentException(
            "unknown command '"
                + words[0]
                + "'; one of: pass, latency MS, bandwidth BYTES_PER_SECOND, reset-after BYTES,"
                + " hang, slow-read, status, drop");
    }
  }

  private static void arity(String[] words, int n) {
    if (words.length != n) {
      throw new IllegalArgumentException(
          words[0] + " takes " + (n - 1) + " argument(s), got " + (words.length - 1));
    }
  }

  private static long number(String word) {
    try {
      long n = Long.parseLong(word);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("'" + word + "' is not a whole number >= 0");
  }

  @Override
  public String toString() {
    return "mode="
        + mode.name().toLowerCase().replace('_', '-')
        + " latencyMs="
        + latencyMillis
        + " bytesPerSecond="
        + bytesPerSecond
        + " resetAfter="
        + resetAfterBytes;
  }
}
