package dev.jmesh.journal;

/**
 * System properties Chronicle reads once, when its classes initialise, so they are set before the
 * journal touches any Chronicle class: no usage reporting (the artifact is excluded too), no banner
 * on the application's log, no disk-space monitor thread (the journal's retention bounds the disk).
 * A value the operator set on the command line wins.
 */
final class ChronicleProperties {

  private static final String[][] DEFAULTS = {
    {"chronicle.analytics.disable", "true"},
    {"chronicle.announcer.disable", "true"},
    {"chronicle.disk.monitor.disable", "true"},
  };

  private ChronicleProperties() {}

  static void apply() {
    for (String[] property : DEFAULTS) {
      if (System.getProperty(property[0]) == null) {
        System.setProperty(property[0], property[1]);
      }
    }
  }
}
