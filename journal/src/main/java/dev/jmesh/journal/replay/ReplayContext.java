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
    String command = args.command();
    long[] reported = {0};
    return JournalReader.open(
        Path.of(dir),
        description -> {
          // A journal damaged throughout would bury the output in warnings: the first few say
          // what and where; the count of the rest is enough.
          long n = ++reported[0];
          if (n <= MAX_DAMAGE_WARNINGS) {
            err.println("mesh replay " + command + ": warning: " + description);
          } else if (n == MAX_DAMAGE_WARNINGS + 1) {
            err.println(
                "mesh replay "
                    + command
                    + ": warning: more damaged entries were skipped; they are not listed");
          }
        });
  }

  static final int MAX_DAMAGE_WARNINGS = 10;
}
