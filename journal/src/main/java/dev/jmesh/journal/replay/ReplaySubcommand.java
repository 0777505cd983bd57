package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalException;
import java.io.IOException;
import java.util.Set;

/** One of {@code mesh replay}'s subcommands: its options, its help and what it does. */
interface ReplaySubcommand {

  String name();

  /** One line for the top-level help. */
  String summary();

  /** The full {@code --help} text. */
  String help();

  /** Options that take a value, besides the common ones. */
  Set<String> valued();

  /** Options that take none, besides the common ones. */
  Set<String> switches();

  /** Runs the subcommand; returns the process exit code. */
  int run(ReplayArgs args, ReplayContext context)
      throws UsageException, JournalException, TargetException, IOException, InterruptedException;
}
