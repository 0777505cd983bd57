package dev.jmesh.journal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The journal's own messages: once per cause, on stderr, with the journal's directory, never a
 * stack trace per entry (the journal must not flood the application's log when the disk fills).
 */
final class JournalLog {

  private final Set<String> said = ConcurrentHashMap.newKeySet();
  private final Consumer<String> out;

  JournalLog() {
    // System.err as it is when a message is said: an application may replace it after start-up.
    this(line -> System.err.println(line));
  }

  /** Saying it elsewhere: the tests' capture. */
  JournalLog(Consumer<String> out) {
    this.out = out;
  }

  void once(String cause, String message) {
    if (said.add(cause)) {
      out.accept("jmesh journal: " + message);
    }
  }
}
