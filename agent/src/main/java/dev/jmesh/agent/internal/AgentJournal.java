package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.PrometheusText;
import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalSettings;
import dev.jmesh.journal.tap.JournalTap;
import java.io.File;
import java.nio.file.Path;

/**
 * The agent's journal, opt-in ({@code journal} / {@code MESH_JOURNAL}, docs/telemetry-journal.md):
 * opened on its own thread, so neither the application nor the mesh's start waits for Chronicle to
 * load, then fed every finished request and TCP connection through {@link JournalTap}. One that
 * cannot open is said once and left off. Nothing here touches a Chronicle class unless the journal
 * is on: Chronicle (relocated, in {@code inst/}) is loaded only then.
 */
final class AgentJournal {

  /**
   * Chronicle's {@code Jvm} loads a {@code system.properties} file from the working directory into
   * the system properties when its class initialises, unless this property names another file:
   * while the journal opens it names an empty one, so an application's own file of that common name
   * is never read by the agent.
   */
  private static final String CHRONICLE_PROPERTIES_FILE = "system.properties";

  private static final String EMPTY_FILE = "/dev/null";

  private final Path directory;
  private volatile Journal journal;

  private AgentJournal(Path directory) {
    this.directory = directory;
  }

  /** Starts opening the journal in {@code directory}; records flow once it is open. */
  static AgentJournal start(Path directory, IstioMetrics metrics) {
    AgentJournal j = new AgentJournal(directory);
    MeshThreads.start("journal-open", () -> j.open(metrics));
    return j;
  }

  private void open(IstioMetrics metrics) {
    String before = System.getProperty(CHRONICLE_PROPERTIES_FILE);
    if (before == null && new File(EMPTY_FILE).exists()) {
      System.setProperty(CHRONICLE_PROPERTIES_FILE, EMPTY_FILE);
    }
    try {
      Journal opened = Journal.open(JournalSettings.builder(directory).build());
      journal = opened;
      metrics.journal(new JournalTap(opened));
      MeshLog.announce("journal " + directory);
    } catch (JournalException | RuntimeException | LinkageError e) {
      MeshLog.error("the journal is off: " + e.getMessage() + " (give MESH_JOURNAL a directory the"
          + " application may write, or off)");
    } finally {
      if (before == null) {
        System.clearProperty(CHRONICLE_PROPERTIES_FILE);
      }
    }
  }

  /**
   * Stops journaling and lets the writer append what it holds (bounded). Called at shutdown after
   * the engine drained, so the last requests are in.
   */
  void close(IstioMetrics metrics) {
    Journal j = journal;
    if (j != null) {
      metrics.journal(null);
      j.close();
    }
  }

  /** {@code jmesh_journal_records_total}, as mesh-proxy serves it. */
  void writeMetrics(PrometheusText text) {
    Journal j = journal;
    if (j == null) {
      return;
    }
    text.header("jmesh_journal_records_total", "counter",
            "Records handed to the journal: appended to disk, dropped (its ring was full, the"
                + " application never waits) or failed (the disk refused them).")
        .sample("jmesh_journal_records_total", j.appended(), "result", "appended")
        .sample("jmesh_journal_records_total", j.dropped(), "result", "dropped")
        .sample("jmesh_journal_records_total", j.failed(), "result", "failed");
  }

  /** The directory while the journal is open, else {@code off}. */
  String describe() {
    Journal j = journal;
    return j == null ? "off" : j.directory().toString();
  }
}
