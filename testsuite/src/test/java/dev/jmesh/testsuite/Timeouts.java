package dev.jmesh.testsuite;

import java.time.Duration;

/** Generous bounds for 2 shared cores; a passing run never waits for them. */
final class Timeouts {
  /** JVM start with the agent, up to the application's first line and {@code /ready}. */
  static final Duration STARTUP = Duration.ofSeconds(45);
  /** Work the application does after start-up. */
  static final Duration WORK = Duration.ofSeconds(30);
  /** Counters are updated off the request path. */
  static final Duration METRIC = Duration.ofSeconds(10);
  /** A JVM that is expected to end by itself. */
  static final Duration EXIT = Duration.ofSeconds(45);

  private Timeouts() {}
}
