package dev.jmesh.testapps.httpclients;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads for an app compiled for Java 17: {@code Thread.ofVirtual().name(prefix,
 * 0).factory()} through method handles, so the same jar runs on 17 (where it says clearly that it
 * cannot) and on 21+.
 */
final class VirtualThreads {

  /** Virtual threads are final from JDK 21 (a preview before: unusable without a flag). */
  static final int SINCE = 21;

  private VirtualThreads() {}

  /** A factory of unstarted virtual threads named {@code prefix0, prefix1...}. */
  static ThreadFactory factory(String prefix) {
    int feature = Runtime.version().feature();
    if (feature < SINCE) {
      throw new UnsupportedOperationException(
          "--virtual-threads needs JDK "
              + SINCE
              + "+; this JVM is "
              + Runtime.version()
              + " ("
              + System.getProperty("java.home")
              + ")");
    }
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> builder = Class.forName("java.lang.Thread$Builder");
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      MethodHandle create =
          lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual));
      MethodHandle name =
          lookup.findVirtual(
              ofVirtual, "name", MethodType.methodType(ofVirtual, String.class, long.class));
      MethodHandle factory =
          lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
      Object named = name.invoke(create.invoke(), prefix, 0L);
      return (ThreadFactory) factory.invoke(named);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot create virtual threads on " + Runtime.version(), e);
    }
  }
}
