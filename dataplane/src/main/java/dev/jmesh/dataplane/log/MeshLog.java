package dev.jmesh.dataplane.log;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's and proxy's log: one line per event on stderr, prefixed {@code [jmesh]}. No logging
 * framework, so that the application's own logging configuration is never touched. Failures on
 * the request path go through {@link #warnOnce}: logged the first time per cause, then only
 * counted, never a stack trace per request.
 */
public final class MeshLog {

  /** Severity, in increasing order of detail. */
  public enum Level {
    ERROR,
    WARN,
    INFO,
    DEBUG;

    /** Parses {@code error|warn|info|debug}, any case; {@code null} if none of them. */
    public static Level parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }

  private static volatile Level level = Level.INFO;
  private static final ConcurrentHashMap<String, Boolean> SEEN = new ConcurrentHashMap<>();

  private MeshLog() {}

  public static void setLevel(Level newLevel) {
    level = newLevel;
  }

  public static Level level() {
    return level;
  }

  public static boolean enabled(Level l) {
    return l.ordinal() <= level.ordinal();
  }

  public static void error(String message) {
    log(Level.ERROR, message);
  }

  public static void warn(String message) {
    log(Level.WARN, message);
  }

  public static void info(String message) {
    log(Level.INFO, message);
  }

  public static void debug(String message) {
    log(Level.DEBUG, message);
  }

  /** Logs {@code message} the first time {@code cause} is seen; returns whether it logged. */
  public static boolean warnOnce(String cause, String message) {
    if (SEEN.putIfAbsent(cause, Boolean.TRUE) == null) {
      warn(message);
      return true;
    }
    return false;
  }

  /** A line that tools and tests read (addresses of endpoints); printed at every level. */
  public static void announce(String message) {
    System.err.println("[jmesh] " + message);
  }

  private static void log(Level l, String message) {
    if (enabled(l)) {
      System.err.println("[jmesh] " + l + " " + message);
    }
  }
}
