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

  /** The facts the mesh kept for {@code key} on the {@code reporter}'s side, or {@code null}. */
  static MeshRequestFacts take(String key, String reporter) {
    return link() ? MeshFacts.take(key, reporter) : null;
  }
}
