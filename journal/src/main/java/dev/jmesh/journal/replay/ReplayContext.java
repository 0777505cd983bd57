package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** What a subcommand runs with: its output streams and the environment it reads. */
record ReplayContext(PrintStream out, PrintStream err, Map<String, String> env) {

  /** Environment variable naming the journal when {@code --journal} is not given. */
  static final String JOURNAL_ENV = "MESH_JOURNAL";

  /** Opens the journal {@code --journal} (or {@code $MESH_JOURNAL}) names. */
  JournalReader openJournal(ReplayArgs args) throws UsageException, JournalException {
    String dir = args.get("journal");
    if (dir == null) {
      dir = env.get(JOURNAL_ENV);
    }
    if (dir == null || dir.isBlank()) {
      throw new UsageException(
          args.command()
              + ": which journal? Give --journal DIR or set "
              + JOURNAL_ENV
              + " to the directory the proxy or the agent journals into");
    }
    return JournalReader.open(Path.of(dir));
  }
}
