package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalReader;
import java.util.Set;

/** {@code mesh replay print}: the entries that match, one per line, as text or JSON lines. */
final class PrintCommand implements ReplaySubcommand {

  @Override
  public String name() {
    return "print";
  }

  @Override
  public String summary() {
    return "print the entries that match, as text or JSON lines";
  }

  @Override
  public String help() {
    return """
    Usage: mesh replay print --journal DIR [filters] [--format text|json] [--headers]
                             [--limit N]

    Prints one line per journal entry that matches every filter, oldest first.

      --format F               text (default, close to Istio's access log) or json
                               (one JSON object per line)
      --headers                also print the kept headers (and, in JSON, bodies)
      --limit N                stop after N entries
    """
        + EntryFilter.HELP;
  }

  @Override
  public Set<String> valued() {
    return Set.of("format", "limit");
  }

  @Override
  public Set<String> switches() {
    return Set.of("headers");
  }

  @Override
  public int run(ReplayArgs args, ReplayContext context) throws UsageException, JournalException {
    EntryFilter filter = EntryFilter.of(args);
    String format = args.get("format", "text");
    if (!format.equals("text") && !format.equals("json")) {
      throw new UsageException("print: --format " + format + " is neither text nor json");
    }
    boolean json = format.equals("json");
    boolean headers = args.has("headers");
    long limit = (long) args.number("limit", Long.MAX_VALUE);
    long[] printed = {0};
    try (JournalReader reader = context.openJournal(args)) {
      reader.read(
          filter.from(),
          entry -> {
            if (!filter.matches(entry)) {
              return true;
            }
            context
                .out()
                .println(json ? EntryText.json(entry, headers) : EntryText.text(entry, headers));
            return ++printed[0] < limit;
          });
    }
    context.out().flush();
    return ReplayCommand.OK;
  }
}
