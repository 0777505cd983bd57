package dev.jmesh.journal;

import java.util.List;

/**
 * The {@code java.base} packages Chronicle reaches into, found by running the journal on JDK 17 and
 * 25 without them: {@code sun.nio.ch} to map its files ({@code FileChannelImpl.map0}, {@code
 * UnixFileDispatcherImpl.map0} on 25), {@code java.lang.reflect} opened for the same reflective
 * call, {@code jdk.internal.ref} to unmap without a fallback warning. The proxy passes them as
 * flags; the agent opens them to its class loader's unnamed module with {@code
 * Instrumentation.redefineModule}.
 */
public final class ChronicleAccess {

  /** Packages exported to the module that loads Chronicle, as {@code module/package}. */
  public static final List<String> EXPORTS =
      List.of("java.base/sun.nio.ch", "java.base/jdk.internal.ref");

  /** Packages opened to it, as {@code module/package}. */
  public static final List<String> OPENS = List.of("java.base/java.lang.reflect");

  private ChronicleAccess() {}

  /** The command-line flags for a JVM that loads Chronicle from the class path. */
  public static String jvmFlags() {
    StringBuilder flags = new StringBuilder();
    for (String p : EXPORTS) {
      flags.append("--add-exports ").append(p).append("=ALL-UNNAMED ");
    }
    for (String p : OPENS) {
      flags.append("--add-opens ").append(p).append("=ALL-UNNAMED ");
    }
    return flags.toString().trim();
  }

  /** What to tell the user when Chronicle failed, with the flags when access was the problem. */
  static String explain(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IllegalAccessException || t instanceof IllegalAccessError) {
        return failure
            + "; the JVM does not let Chronicle map files: start it with "
            + jvmFlags()
            + " (docs/telemetry-journal.md)";
      }
    }
    return String.valueOf(failure);
  }
}
