package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code mesh replay summary}: per destination service and route, requests, error rate and
 * p50/p90/p99 latency, as a table and, on request, as a PNG chart.
 */
final class SummaryCommand implements ReplaySubcommand {

  @Override
  public String name() {
    return "summary";
  }

  @Override
  public String summary() {
    return "requests, error rate and p50/p90/p99 per service and route; --chart for a PNG";
  }

  @Override
  public String help() {
    return """
    Usage: mesh replay summary --journal DIR [filters] [--chart OUT.png] [--format table|json]

    Counts the matching entries per destination service and route: requests, errors
    (5xx, no response, a non-OK gRPC status, or a TCP connection with a response flag),
    error rate, and the p50, p90 and p99 of the request duration in milliseconds
    (HdrHistogram, 3 significant digits).

      --chart OUT.png          also draw the percentiles and error rates as a PNG
      --format F               table (default) or json (one line per service and route)
    """
        + EntryFilter.HELP;
  }

  @Override
  public Set<String> valued() {
    return Set.of("chart", "format");
  }

  @Override
  public Set<String> switches() {
    return Set.of();
  }

  @Override
  public int run(ReplayArgs args, ReplayContext context)
      throws UsageException, JournalException, IOException {
    EntryFilter filter = EntryFilter.of(args);
    String format = args.get("format", "table");
    if (!format.equals("table") && !format.equals("json")) {
      throw new UsageException("summary: --format " + format + " is neither table nor json");
    }
    Map<String, RouteStats> byRoute = new TreeMap<>();
    try (JournalReader reader = context.openJournal(args)) {
      ProgressBar progress =
          new ProgressBar(
              context.err(), "summary", reader.count(filter.from()), ProgressBar.wanted(args));
      long[] seen = {0};
      reader.read(
          filter.from(),
          entry -> {
            progress.update(++seen[0]);
            if (filter.matches(entry)) {
              String service = entry.serviceOrWorkload();
              String route = entry.route() == null ? "-" : entry.route();
              byRoute
                  .computeIfAbsent(service + "\u0000" + route, k -> new RouteStats(service, route))
                  .add(entry);
            }
            return true;
          });
      progress.finish();
    }
    List<RouteStats> rows = new ArrayList<>(byRoute.values());
    if (format.equals("json")) {
      for (RouteStats r : rows) {
        context
            .out()
            .println(
                new JsonLine()
                    .field("service", r.service())
                    .field("route", r.route())
                    .field("requests", r.requests())
                    .field("errors", r.errors())
                    .field("error_rate", r.errorRate())
                    .field("p50_ms", r.millisAt(50))
                    .field("p90_ms", r.millisAt(90))
                    .field("p99_ms", r.millisAt(99)));
      }
    } else {
      context.out().print(table(rows));
    }
    if (args.has("chart")) {
      Path chart = Path.of(args.get("chart"));
      SummaryChart.write(rows, chart);
      context.err().println("summary: chart written to " + chart);
    }
    context.out().flush();
    return ReplayCommand.OK;
  }

  static String table(List<RouteStats> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(
        new String[] {
          "SERVICE", "ROUTE", "REQUESTS", "ERRORS", "ERROR%", "P50ms", "P90ms", "P99ms"
        });
    for (RouteStats r : rows) {
      cells.add(
          new String[] {
            r.service(),
            r.route(),
            Long.toString(r.requests()),
            Long.toString(r.errors()),
            String.format(Locale.ROOT, "%.2f", 100 * r.errorRate()),
            String.format(Locale.ROOT, "%.3f", r.millisAt(50)),
            String.format(Locale.ROOT, "%.3f", r.millisAt(90)),
            String.format(Locale.ROOT, "%.3f", r.millisAt(99))
          });
    }
    if (rows.isEmpty()) {
      return "no entries match\n";
    }
    int[] widths = new int[cells.get(0).length];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        boolean numeric = i >= 2;
        String cell = row[i];
        String pad = " ".repeat(widths[i] - cell.length());
        out.append(numeric ? pad + cell : cell + pad);
        out.append(i == row.length - 1 ? "\n" : "  ");
      }
    }
    return out.toString();
  }
}
