package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalEntry;
import dev.jmesh.journal.ResponseFlagNames;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which entries a subcommand looks at: time range, source, destination, route, status classes,
 * response flags, minimum duration, reporter. Every given criterion must hold. Immutable.
 */
final class EntryFilter {

  /** The options every subcommand accepts for filtering. */
  static final Set<String> OPTIONS =
      Set.of(
          "from",
          "to",
          "source",
          "destination",
          "service",
          "route",
          "status",
          "flags",
          "min-duration",
          "reporter",
          "method");

  static final String HELP =
      """
        --from TIME, --to TIME   entries that started in [from, to): 2026-11-30T10:00:00Z,
                                 2026-11-30T10:00 or 10:00 (local time), -15m, now, epoch ms
        --source NAME            source workload, or workload.namespace
        --destination NAME       destination workload or service (reviews, reviews-v2,
                                 reviews.default.svc.cluster.local); --service is the same
        --route NAME             route name
        --status LIST            status classes or codes, e.g. 5xx or 4xx,503 (0 = no response)
        --flags LIST             any of these response flags, e.g. UH,UT; "any" for any flag
        --min-duration D         at least this long: 250ms, 2s
        --reporter R             source or destination
        --method LIST            HTTP methods, e.g. GET,HEAD
      """;

  private final long from;
  private final long to;
  private final String source;
  private final String destination;
  private final String route;
  private final List<int[]> statusRanges;
  private final int flags;
  private final boolean anyFlag;
  private final long minDurationNanos;
  private final String reporter;
  private final Set<String> methods;

  private EntryFilter(ReplayArgs args, Instant now, ZoneId zone) throws UsageException {
    this.from =
        args.has("from") ? TimeArg.parse("from", args.get("from"), now, zone) : Long.MIN_VALUE;
    this.to = args.has("to") ? TimeArg.parse("to", args.get("to"), now, zone) : Long.MAX_VALUE;
    if (from >= to) {
      throw new UsageException(
          "--from " + args.get("from") + " is not before --to " + args.get("to"));
    }
    this.source = args.get("source");
    this.destination = args.has("destination") ? args.get("destination") : args.get("service");
    this.route = args.get("route");
    this.statusRanges = args.has("status") ? statusRanges(args.get("status")) : List.of();
    String flagText = args.get("flags");
    this.anyFlag = "any".equalsIgnoreCase(flagText);
    this.flags = flagText == null || anyFlag ? 0 : flagBits(flagText);
    this.minDurationNanos =
        args.has("min-duration")
            ? TimeArg.DurationArg.parse("min-duration", args.get("min-duration")).toNanos()
            : 0;
    this.reporter = args.get("reporter");
    if (reporter != null && !reporter.equals("source") && !reporter.equals("destination")) {
      throw new UsageException("--reporter " + reporter + " is neither source nor destination");
    }
    this.methods =
        args.has("method") ? Set.of(args.get("method").toUpperCase().split(",")) : Set.of();
  }

  static EntryFilter of(ReplayArgs args) throws UsageException {
    return new EntryFilter(args, Instant.now(), ZoneId.systemDefault());
  }

  static EntryFilter of(ReplayArgs args, Instant now, ZoneId zone) throws UsageException {
    return new EntryFilter(args, now, zone);
  }

  boolean matches(JournalEntry e) {
    if (e.startEpochMillis() < from || e.startEpochMillis() >= to) {
      return false;
    }
    if (source != null
        && !source.equals(e.sourceWorkload())
        && !source.equals(e.sourceWorkload() + "." + e.sourceNamespace())) {
      return false;
    }
    if (destination != null && !destinationMatches(e)) {
      return false;
    }
    if (route != null && !route.equals(e.route())) {
      return false;
    }
    if (!statusRanges.isEmpty() && !statusMatches(e.responseCode())) {
      return false;
    }
    if (anyFlag && e.responseFlags() == 0) {
      return false;
    }
    if (flags != 0 && (e.responseFlags() & flags) == 0) {
      return false;
    }
    if (e.durationNanos() < minDurationNanos) {
      return false;
    }
    if (reporter != null && !reporter.equals(e.reporter().label())) {
      return false;
    }
    return methods.isEmpty() || (e.method() != null && methods.contains(e.method()));
  }

  /** The start of the range, {@code Long.MIN_VALUE} when there is none. */
  long from() {
    return from;
  }

  long to() {
    return to;
  }

  private boolean destinationMatches(JournalEntry e) {
    if (destination.equals(e.destinationWorkload())
        || destination.equals(e.destinationWorkload() + "." + e.destinationNamespace())) {
      return true;
    }
    String service = e.destinationService();
    return service != null
        && (service.equals(destination) || service.startsWith(destination + "."));
  }

  private boolean statusMatches(int code) {
    for (int[] range : statusRanges) {
      if (code >= range[0] && code <= range[1]) {
        return true;
      }
    }
    return false;
  }

  private static List<int[]> statusRanges(String text) throws UsageException {
    List<int[]> ranges = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim().toLowerCase();
      if (p.matches("[1-5]xx")) {
        int base = (p.charAt(0) - '0') * 100;
        ranges.add(new int[] {base, base + 99});
      } else if (p.matches("\\d{1,3}")) {
        int code = Integer.parseInt(p);
        ranges.add(new int[] {code, code});
      } else {
        throw new UsageException(
            "--status "
                + text
                + ": '"
                + part
                + "' is neither a class like 5xx nor a code like 503");
      }
    }
    return ranges;
  }

  private static int flagBits(String text) throws UsageException {
    int bits = 0;
    for (String part : text.split(",")) {
      int bit = ResponseFlagNames.bit(part.trim());
      if (bit < 0) {
        throw new UsageException(
            "--flags "
                + text
                + ": '"
                + part
                + "' is not an Envoy response flag (UH, UT, URX, ...)");
      }
      bits |= bit;
    }
    return bits;
  }
}
