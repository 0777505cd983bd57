package dev.jmesh.dataplane.capture;

import java.time.Duration;

/** Whether the first config (and, with an identity, the first certificate) has arrived. */
@FunctionalInterface
public interface ConfigReadiness {

  /** Waits up to {@code timeout}; {@code true} once ready. */
  boolean await(Duration timeout) throws InterruptedException;
}
