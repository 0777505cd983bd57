package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code mesh replay}: reads a journal directory back. Subcommands print, summary, export and
 * traffic; {@code --help} at every level. Exit codes: {@link #OK}, {@link #JOURNAL_ERROR}, {@link
 * #USAGE}, {@link #TARGET_ERROR}, {@link #DIFFERENCES}.
 */
public final class ReplayCommand {

  /** Done. */
  public static final int OK = 0;

  /** The journal is missing, empty or corrupt, or the JVM cannot map it. */
  public static final int JOURNAL_ERROR = 1;

  /** The command line is wrong. */
  public static final int USAGE = 2;

  /** {@code export}'s receiver or {@code traffic}'s target failed or refused. */
  public static final int TARGET_ERROR = 3;

  /** {@code traffic --fail-on-diff}: a replayed status differed from the recorded one. */
  public static final int DIFFERENCES = 4;

  /** Options every subcommand takes. */
  static final Set<String> COMMON_VALUED = Set.of("journal");

  static final Set<String> COMMON_SWITCHES = Set.of("no-progress");

  private static final List<ReplaySubcommand> SUBCOMMANDS =
      List.of(new PrintCommand(), new SummaryCommand(), new ExportCommand(), new TrafficCommand());

  private ReplayCommand() {}

  public static void main(String[] args) {
    // Headless before any AWT class loads (summary --chart); Chronicle's and SLF4J's defaults
    // before theirs: this process is ours alone, unlike the agent's.
    System.setProperty("java.awt.headless", "true");
    if (System.getProperty("slf4j.provider") == null) {
      // Chronicle logs through SLF4J; the CLI has no binding and wants none of its chatter.
      System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
      System.setProperty("slf4j.internal.verbosity", "ERROR");
    }
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs {@code mesh replay ARGS}; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      (args.length == 0 ? err : out).print(help());
      return args.length == 0 ? USAGE : OK;
    }
    ReplaySubcommand sub = find(args[0]);
    if (sub == null) {
      err.println("mesh replay: unknown subcommand '" + args[0] + "'\n");
      err.print(help());
      return USAGE;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    ReplayContext context = new ReplayContext(out, err, env);
    try {
      Set<String> valued = new HashSet<>(sub.valued());
      valued.addAll(COMMON_VALUED);
      valued.addAll(EntryFilter.OPTIONS);
      Set<String> switches = new HashSet<>(sub.switches());
      switches.addAll(COMMON_SWITCHES);
      ReplayArgs parsed = ReplayArgs.parse(sub.name(), rest, valued, switches);
      if (parsed.has("help")) {
        out.print(sub.help() + COMMON_HELP);
        return OK;
      }
      if (!parsed.positional().isEmpty()) {
        throw new UsageException(
            sub.name() + ": unexpected argument '" + parsed.positional().get(0) + "'");
      }
      return sub.run(parsed, context);
    } catch (UsageException e) {
      err.println("mesh replay " + e.getMessage());
      err.println("(mesh replay " + sub.name() + " --help lists the options)");
      return USAGE;
    } catch (JournalException e) {
      err.println("mesh replay " + sub.name() + ": " + e.getMessage());
      return JOURNAL_ERROR;
    } catch (TargetException e) {
      err.println("mesh replay " + sub.name() + ": " + e.getMessage());
      return TARGET_ERROR;
    } catch (IOException e) {
      err.println("mesh replay " + sub.name() + ": " + e);
      return TARGET_ERROR;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("mesh replay " + sub.name() + ": interrupted");
      return TARGET_ERROR;
    } catch (RuntimeException e) {
      // A fault of this tool, not of the user: one line and an exit code a script can test, never
      // a stack trace; the reader already turns what a damaged journal throws into the above.
      err.println("mesh replay " + sub.name() + ": failed: " + e + " (a bug; please report it)");
      return JOURNAL_ERROR;
    }
  }

  private static ReplaySubcommand find(String name) {
    for (ReplaySubcommand sub : SUBCOMMANDS) {
      if (sub.name().equals(name)) {
        return sub;
      }
    }
    return null;
  }

  static final String COMMON_HELP =
      """

      Common options:
        --journal DIR            the journal directory (default: $MESH_JOURNAL)
        --no-progress            no progress bar on stderr (it is drawn only on a terminal)
        --help                   this text

      Exit codes: 0 done, 1 journal missing/empty/corrupt, 2 bad command line,
      3 export receiver or traffic target failed, 4 traffic --fail-on-diff found differences.
      """;

  static String help() {
    StringBuilder s =
        new StringBuilder(
            "Usage: mesh replay <subcommand> --journal DIR [options]\n\n"
                + "Reads a jmesh request journal back.\n\nSubcommands:\n");
    for (ReplaySubcommand sub : SUBCOMMANDS) {
      s.append(String.format("  %-9s %s%n", sub.name(), sub.summary()));
    }
    s.append("\nmesh replay <subcommand> --help shows a subcommand's options.\n");
    s.append(COMMON_HELP);
    return s.toString();
  }
}
