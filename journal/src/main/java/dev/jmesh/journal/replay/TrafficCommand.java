package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalEntry;
import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalHeader;
import dev.jmesh.journal.JournalProtocol;
import dev.jmesh.journal.JournalReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code mesh replay traffic}: re-sends the recorded HTTP requests to a target, at the recorded
 * pace or scaled, and reports where the target's status and latency differ from the recording. Only
 * safe methods (GET, HEAD, OPTIONS, TRACE) unless {@code --unsafe-methods}: replaying a POST
 * against a real service repeats its side effects.
 */
final class TrafficCommand implements ReplaySubcommand {

  static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

  /** Headers the client sets itself or that describe the recorded hop, not the request. */
  private static final Set<String> HOP_HEADERS =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "http2-settings");

  /** Marks replayed requests, so the target (and its journal) can tell them from real ones. */
  static final String REPLAY_HEADER = "x-jmesh-replay";

  @Override
  public String name() {
    return "traffic";
  }

  @Override
  public String summary() {
    return "re-send recorded requests to a target and compare status and latency";
  }

  @Override
  public String help() {
    return """
    Usage: mesh replay traffic --journal DIR --target http://HOST:PORT [filters]
                               [--rate-scale X] [--unsafe-methods] [--concurrency N]
                               [--timeout 10s] [--fail-on-diff]

    Re-sends the matching HTTP entries to the target (the recorded path, method, kept
    headers and, for unsafe methods, the recorded body), at the recorded pace, and reports
    per service and route how many answered with another status than recorded and the
    recorded against the replayed p50/p90/p99. TCP entries are skipped. Each request
    carries x-jmesh-replay: true. When a journal holds both ends of the same calls, pick
    one with --reporter destination (what the service received) or source.

      --target URL             where to send, e.g. http://127.0.0.1:9080
      --rate-scale X           X times the recorded pace (2 = twice as fast; default 1)
      --unsafe-methods         also replay POST, PUT, PATCH, DELETE, ...: their side effects
                               happen again; entries whose body was not kept are skipped
      --concurrency N          requests in flight at most, default 64
      --timeout D              per request, default 10s
      --fail-on-diff           exit 4 when any status differs from the recording
    """
        + EntryFilter.HELP;
  }

  @Override
  public Set<String> valued() {
    return Set.of("target", "rate-scale", "concurrency", "timeout");
  }

  @Override
  public Set<String> switches() {
    return Set.of("unsafe-methods", "fail-on-diff");
  }

  @Override
  public int run(ReplayArgs args, ReplayContext context)
      throws UsageException, JournalException, TargetException, InterruptedException {
    String targetText = args.required("target");
    URI target;
    try {
      target = URI.create(targetText.replaceAll("/+$", ""));
    } catch (IllegalArgumentException e) {
      throw new UsageException("traffic: --target " + targetText + " is not a URL");
    }
    if (target.getScheme() == null
        || !(target.getScheme().equals("http") || target.getScheme().equals("https"))
        || target.getHost() == null) {
      throw new UsageException(
          "traffic: --target " + targetText + " is not an http(s)://host:port URL");
    }
    double scale = args.number("rate-scale", 1);
    if (!(scale > 0)) {
      throw new UsageException("traffic: --rate-scale must be > 0, was " + scale);
    }
    int concurrency = (int) args.number("concurrency", 64);
    if (concurrency < 1) {
      throw new UsageException("traffic: --concurrency must be at least 1");
    }
    Duration timeout = TimeArg.DurationArg.parse("timeout", args.get("timeout", "10s"));
    boolean unsafe = args.has("unsafe-methods");
    EntryFilter filter = EntryFilter.of(args);

    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    TrafficReport report = new TrafficReport();
    Semaphore inFlight = new Semaphore(concurrency);
    long[] firstRecorded = {Long.MIN_VALUE};
    long startedNanos = System.nanoTime();
    try (JournalReader reader = context.openJournal(args)) {
      ProgressBar progress =
          new ProgressBar(
              context.err(), "traffic", reader.count(filter.from()), ProgressBar.wanted(args));
      long[] seen = {0};
      reader.read(
          filter.from(),
          entry -> {
            progress.update(++seen[0]);
            if (!filter.matches(entry)) {
              return true;
            }
            String skip = skipReason(entry, unsafe);
            if (skip != null) {
              report.skipped(skip);
              return true;
            }
            if (firstRecorded[0] == Long.MIN_VALUE) {
              firstRecorded[0] = entry.startEpochMillis();
            }
            long dueNanos =
                startedNanos + (long) ((entry.startEpochMillis() - firstRecorded[0]) * 1e6 / scale);
            try {
              long wait = dueNanos - System.nanoTime();
              if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
              }
              inFlight.acquire();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
            send(http, request(target, entry, timeout), entry, report, inFlight);
            return true;
          });
      progress.finish();
    }
    if (!inFlight.tryAcquire(concurrency, timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
      report.failed("requests still in flight after the timeout");
    }
    context.out().print(report.render(target.toString()));
    context.out().flush();
    if (report.sent() == 0 && report.failures() > 0) {
      throw new TargetException(
          "no request to " + target + " got a response; first failure: " + report.firstFailure());
    }
    if (args.has("fail-on-diff") && report.different() > 0) {
      return ReplayCommand.DIFFERENCES;
    }
    return ReplayCommand.OK;
  }

  private static String skipReason(JournalEntry e, boolean unsafe) {
    if (e.protocol() == JournalProtocol.TCP) {
      return "tcp";
    }
    if (e.method() == null || e.path() == null) {
      return "no method or path";
    }
    if (!SAFE_METHODS.contains(e.method()) && !unsafe) {
      return "unsafe method";
    }
    if (!SAFE_METHODS.contains(e.method())
        && e.bytesReceived() > 0
        && e.requestBody().length < Math.max(e.bytesReceived(), e.requestBodyLength())) {
      return "body not kept";
    }
    return null;
  }

  private static HttpRequest request(URI target, JournalEntry e, Duration timeout) {
    String path = e.path().startsWith("/") ? e.path() : "/" + e.path();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(target + path))
            .timeout(timeout)
            .header(REPLAY_HEADER, "true");
    for (JournalHeader h : e.requestHeaders()) {
      String name = h.name().toLowerCase();
      if (HOP_HEADERS.contains(name) || name.startsWith(":") || name.equals(REPLAY_HEADER)) {
        continue;
      }
      if (h.value().equals("[REDACTED]")) {
        // The credential is gone; sending the placeholder would only earn a 401.
        continue;
      }
      try {
        b.header(h.name(), h.value());
      } catch (IllegalArgumentException restricted) {
        // A header the JDK client will not send (it sets it itself): leave it out.
      }
    }
    byte[] body = e.requestBody();
    HttpRequest.BodyPublisher publisher =
        body.length == 0
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body);
    return b.method(e.method(), publisher).build();
  }

  private static void send(
      HttpClient http,
      HttpRequest request,
      JournalEntry entry,
      TrafficReport report,
      Semaphore inFlight) {
    long sent = System.nanoTime();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, failure) -> {
              try {
                if (failure != null) {
                  report.failed(request.method() + " " + request.uri() + ": " + failure);
                } else {
                  report.replayed(
                      entry.serviceOrWorkload(),
                      entry.route() == null ? "-" : entry.route(),
                      entry.responseCode(),
                      entry.durationNanos(),
                      response.statusCode(),
                      System.nanoTime() - sent);
                }
              } finally {
                inFlight.release();
              }
            });
  }
}
