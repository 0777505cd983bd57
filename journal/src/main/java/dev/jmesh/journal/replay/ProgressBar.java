package dev.jmesh.journal.replay;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr for long runs, drawn only when a person is watching (a
 * terminal), at most ten times a second, and erased when done so it never mixes with the output.
 */
final class ProgressBar {

  private static final int WIDTH = 30;

  private final PrintStream err;
  private final String label;
  private final long total;
  private final boolean enabled;
  private long lastDrawNanos;

  ProgressBar(PrintStream err, String label, long total, boolean enabled) {
    this.err = err;
    this.label = label;
    this.total = Math.max(1, total);
    this.enabled = enabled;
  }

  /** Enabled when the JVM has a terminal and the user did not pass {@code --no-progress}. */
  static boolean wanted(ReplayArgs args) {
    return System.console() != null && !args.has("no-progress");
  }

  void update(long done) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDrawNanos < 100_000_000L && done < total) {
      return;
    }
    lastDrawNanos = now;
    err.print("\r" + render(done));
    err.flush();
  }

  void finish() {
    if (enabled) {
      err.print("\r" + " ".repeat(WIDTH + label.length() + 32) + "\r");
      err.flush();
    }
  }

  String render(long done) {
    long shown = Math.min(done, total);
    int filled = (int) (WIDTH * shown / total);
    return label
        + " ["
        + "#".repeat(filled)
        + ".".repeat(WIDTH - filled)
        + "] "
        + (100 * shown / total)
        + "% "
        + shown
        + "/"
        + total;
  }
}
