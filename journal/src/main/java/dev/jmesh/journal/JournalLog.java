package dev.jmesh.journal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The journal's own messages: once per cause, on stderr, with the journal's directory, never a
 * stack trace per entry (the journal must not flood the application's log when the disk fills).
 */
final class JournalLog {

  private final Set<String> said = ConcurrentHashMap.newKeySet();

  void once(String cause, String message) {
    if (said.add(cause)) {
      System.err.println("jmesh journal: " + message);
    }
  }
}
