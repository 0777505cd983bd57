package dev.jmesh.otel;

import dev.jmesh.bootstrap.MeshRequestFacts;

/**
 * The link to the mesh's {@code dev.jmesh.bootstrap.MeshSpanFacts}, made once mesh.jar is there.
 * The OpenTelemetry agent may start first, before mesh.jar put its bootstrap classes on the boot
 * class path; a class that failed to link once stays failed, so nothing here names the mesh's
 * classes until {@link Class#forName} found them ({@link MeshFacts} does, loaded only then).
 */
final class MeshLink {

  private static final String FACTS_CLASS = "dev.jmesh.bootstrap.MeshSpanFacts";
  private static final long RETRY_NANOS = 1_000_000_000L;
  private static final long POLL_MILLIS = 100;

  private static volatile boolean linked;
  private static volatile long lastTry = System.nanoTime() - RETRY_NANOS;

  private MeshLink() {}

  /** Links to the mesh when it is there (tries at most once a second); whether it is linked. */
  static boolean link() {
    if (linked) {
      return true;
    }
    long now = System.nanoTime();
    if (now - lastTry < RETRY_NANOS) {
      return false;
    }
    lastTry = now;
    return tryLink();
  }

  /**
   * Keeps trying to link, every {@value #POLL_MILLIS} ms for a minute, on a daemon thread: when the
   * OpenTelemetry agent starts first, mesh.jar's classes appear a moment later, and the mesh should
   * know a tracer is here before the application's first request (a server's first span starts only
   * after the mesh read the request).
   */
  static void linkSoon() {
    if (tryLink()) {
      return;
    }
    Thread poller =
        new Thread(
            () -> {
              long deadline = System.nanoTime() + 60_000_000_000L;
              while (!tryLink() && System.nanoTime() < deadline) {
                try {
                  Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "jmesh-otel-link");
    poller.setDaemon(true);
    poller.start();
  }

  private static boolean tryLink() {
    if (linked) {
      return true;
    }
    try {
      Class.forName(FACTS_CLASS, false, null);
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    synchronized (MeshLink.class) {
      if (!linked) {
        MeshFacts.attach();
        linked = true;
      }
    }
    return true;
  }

  /** Whether the mesh knows a tracer is here (and keeps facts). */
  static boolean linked() {
    return linked;
  }

  /** The facts the mesh kept for {@code key} on the {@code reporter}'s side, or {@code null}. */
  static MeshRequestFacts take(String key, String reporter) {
    return link() ? MeshFacts.take(key, reporter) : null;
  }
}
