package dev.jmesh.instrumentation.netty.server.v4_1;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Failures of the mesh's own per-connection code: the connection is closed (fail closed) and each
 * cause is logged once, never a stack trace per connection.
 */
final class InboundFailures {

  private static final ConcurrentHashMap<String, Boolean> REPORTED = new ConcurrentHashMap<>();

  private InboundFailures() {}

  static void report(String what, Object connection, Throwable t) {
    String cause = what + ':' + t.getClass().getName();
    if (REPORTED.putIfAbsent(cause, Boolean.TRUE) == null) {
      System.err.println(
          "[jmesh] WARN netty-server: "
              + what
              + " failed on "
              + connection
              + " ("
              + t
              + "); the connection was closed. Further failures of this cause are not logged.");
    }
  }

  static void note(String what, Object connection) {
    if (REPORTED.putIfAbsent(what, Boolean.TRUE) == null) {
      System.err.println(
          "[jmesh] WARN netty-server: "
              + what
              + " (first seen on "
              + connection
              + "); closed. Logged once.");
    }
  }
}
