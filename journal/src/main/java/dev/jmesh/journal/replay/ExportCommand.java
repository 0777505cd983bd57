package dev.jmesh.journal.replay;

import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code mesh replay export}: the entries of a time range as Istio metrics, pushed to a Prometheus
 * remote-write receiver (protobuf + snappy), and as spans to an OTLP/HTTP endpoint — for the outage
 * the collector missed.
 */
final class ExportCommand implements ReplaySubcommand {

  @Override
  public String name() {
    return "export";
  }

  @Override
  public String summary() {
    return "push entries as Istio metrics (Prometheus remote write) or spans (OTLP)";
  }

  @Override
  public String help() {
    return """
    Usage: mesh replay export --journal DIR [filters]
                              (--prometheus-remote-write URL | --otlp URL) [--step 15s]
                              [--labels job=mesh-replay] [--batch 500]

    Turns the matching entries back into the Istio metrics the data path serves
    (istio_requests_total, istio_request_duration_milliseconds, and for TCP
    istio_tcp_connections_opened/closed_total and istio_tcp_sent/received_bytes_total),
    sampled every --step, and pushes them with Prometheus remote write 1.0 (protobuf,
    snappy). With --otlp, sends every entry as a span to an OTLP/HTTP endpoint
    (JSON encoding, POST URL/v1/traces).

      --prometheus-remote-write URL  e.g. http://prometheus:9090/api/v1/write (Prometheus
                               needs --web.enable-remote-write-receiver; it refuses
                               samples older than its head block, about 1-3 hours)
      --otlp URL               an OTLP/HTTP base URL, e.g. http://collector:4318
      --step D                 sample spacing, default 15s
      --labels K=V,...         labels added to every series, default job=mesh-replay, so
                               exported series never collide with scraped ones
      --batch N                series per remote-write request, default 500
    """
        + EntryFilter.HELP;
  }

  @Override
  public Set<String> valued() {
    return Set.of("prometheus-remote-write", "otlp", "step", "labels", "batch");
  }

  @Override
  public Set<String> switches() {
    return Set.of();
  }

  @Override
  public int run(ReplayArgs args, ReplayContext context)
      throws UsageException, JournalException, TargetException, IOException, InterruptedException {
    String remoteWrite = args.get("prometheus-remote-write");
    String otlp = args.get("otlp");
    if (remoteWrite == null && otlp == null) {
      throw new UsageException("export: give --prometheus-remote-write URL or --otlp URL");
    }
    EntryFilter filter = EntryFilter.of(args);
    long step = TimeArg.DurationArg.parse("step", args.get("step", "15s")).toMillis();
    if (step < 1000) {
      throw new UsageException("export: --step must be at least 1s");
    }
    int batch = (int) args.number("batch", 500);
    if (batch < 1) {
      throw new UsageException("export: --batch must be at least 1");
    }
    List<String[]> extra = labels(args.get("labels", "job=mesh-replay"));
    IstioSeries metrics = new IstioSeries(step, System.currentTimeMillis(), extra);
    OtlpSpans spans = otlp == null ? null : new OtlpSpans();
    long[] matched = {0};
    try (JournalReader reader = context.openJournal(args)) {
      ProgressBar progress =
          new ProgressBar(
              context.err(), "reading", reader.count(filter.from()), ProgressBar.wanted(args));
      long[] seen = {0};
      reader.read(
          filter.from(),
          entry -> {
            progress.update(++seen[0]);
            if (filter.matches(entry)) {
              matched[0]++;
              metrics.add(entry);
              if (spans != null) {
                spans.add(entry);
              }
            }
            return true;
          });
      progress.finish();
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    if (remoteWrite != null) {
      List<PromSeries> series = metrics.series();
      ProgressBar progress =
          new ProgressBar(context.err(), "remote write", series.size(), ProgressBar.wanted(args));
      for (int from = 0; from < series.size(); from += batch) {
        List<PromSeries> part = series.subList(from, Math.min(series.size(), from + batch));
        byte[] body = SnappyBlock.compress(RemoteWriteRequest.encode(part));
        HttpRequest request =
            HttpRequest.newBuilder(uri("prometheus-remote-write", remoteWrite))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-protobuf")
                .header("Content-Encoding", "snappy")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .header("User-Agent", "jmesh-mesh-replay")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        send(http, request, remoteWrite);
        progress.update(from + part.size());
      }
      progress.finish();
      context
          .out()
          .println(
              "export: "
                  + matched[0]
                  + " entries as "
                  + series.size()
                  + " series to "
                  + remoteWrite);
    }
    if (spans != null) {
      String url = otlp.replaceAll("/+$", "") + "/v1/traces";
      HttpRequest request =
          HttpRequest.newBuilder(uri("otlp", url))
              .timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(spans.json()))
              .build();
      send(http, request, url);
      context.out().println("export: " + spans.count() + " spans to " + url);
    }
    return ReplayCommand.OK;
  }

  private static void send(HttpClient http, HttpRequest request, String where)
      throws TargetException, InterruptedException {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new TargetException("cannot reach " + where + ": " + e, e);
    }
    if (response.statusCode() / 100 != 2) {
      String body = response.body();
      throw new TargetException(
          where
              + " refused the export: HTTP "
              + response.statusCode()
              + ": "
              + (body.length() > 500 ? body.substring(0, 500) + "..." : body.trim()));
    }
  }

  private static URI uri(String option, String text) throws UsageException {
    try {
      URI uri = URI.create(text);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new IllegalArgumentException("not http(s)");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new UsageException("export: --" + option + " " + text + " is not an http(s) URL");
    }
  }

  static List<String[]> labels(String text) throws UsageException {
    List<String[]> labels = new ArrayList<>();
    if (text.isBlank()) {
      return labels;
    }
    for (String pair : text.split(",")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? "" : pair.substring(0, eq).trim();
      if (!name.matches("[a-zA-Z_][a-zA-Z0-9_]*") || name.startsWith("__")) {
        throw new UsageException(
            "export: --labels "
                + text
                + ": '"
                + pair
                + "' is not NAME=VALUE with a Prometheus"
                + " label name");
      }
      labels.add(new String[] {name, pair.substring(eq + 1).trim()});
    }
    return labels;
  }
}
