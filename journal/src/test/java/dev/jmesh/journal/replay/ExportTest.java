package dev.jmesh.journal.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportTest {

  @TempDir static Path tmp;

  static Path journal;
  static PrometheusServer prometheus;

  @BeforeAll
  static void recordAndStartPrometheus() throws Exception {
    journal = tmp.resolve("journal");
    // Recent, so the samples land in Prometheus' head block; ends about a minute ago.
    RecordedJournal.write(journal, System.currentTimeMillis() - 180_000);
    if (PrometheusServer.installed()) {
      prometheus = PrometheusServer.start(tmp);
    }
  }

  @AfterAll
  static void stopPrometheus() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  @Test
  void remoteWriteIntoARealPrometheusAnswersIstioQueriesWithTheJournalsCounts() throws Exception {
    assumeTrue(prometheus != null, "Debian's prometheus package is not installed");
    ReplayRun run =
        ReplayRun.of(
            "export",
            "--journal",
            journal.toString(),
            "--prometheus-remote-write",
            prometheus.remoteWriteUrl(),
            "--step",
            "10s");
    assertThat(run.exit()).as(run.err()).isEqualTo(ReplayCommand.OK);
    assertThat(run.out()).contains("export: 115 entries as ");

    String byCode =
        prometheus.query("sum by (response_code) (istio_requests_total{job=\"mesh-replay\"})");
    assertThat(valueFor(byCode, "response_code", "200")).isEqualTo(90);
    assertThat(valueFor(byCode, "response_code", "503")).isEqualTo(6);
    assertThat(valueFor(byCode, "response_code", "404")).isEqualTo(4);
    assertThat(valueFor(byCode, "response_code", "201")).isEqualTo(10);
    String byService =
        prometheus.query(
            "sum by (destination_service_name) (istio_requests_total{reporter=\"destination\"})");
    assertThat(valueFor(byService, "destination_service_name", "reviews")).isEqualTo(70);
    assertThat(valueFor(byService, "destination_service_name", "ratings")).isEqualTo(40);
    assertThat(single(prometheus.query("sum(istio_request_duration_milliseconds_count)")))
        .isEqualTo(110);
    // Durations <= 10 ms: GET /reviews/0..9 (1..10 ms) and the ten 5 ms POSTs.
    assertThat(
            single(prometheus.query("sum(istio_request_duration_milliseconds_bucket{le=\"10\"})")))
        .isEqualTo(20);
    assertThat(single(prometheus.query("sum(istio_tcp_sent_bytes_total)"))).isEqualTo(5000);
    assertThat(
            single(
                prometheus.query("sum(istio_tcp_connections_closed_total{job=\"mesh-replay\"})")))
        .isEqualTo(5);
  }

  @Test
  void aReceiverThatIsNotThereIsATargetError() {
    ReplayRun run =
        ReplayRun.of(
            "export",
            "--journal",
            journal.toString(),
            "--prometheus-remote-write",
            "http://127.0.0.1:1/api/v1/write");
    assertThat(run.exit()).isEqualTo(ReplayCommand.TARGET_ERROR);
    assertThat(run.err()).contains("cannot reach http://127.0.0.1:1/api/v1/write");
  }

  @Test
  void otlpExportSendsOneSpanPerEntryWithItsTraceId() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
    try {
      ReplayRun run =
          ReplayRun.of(
              "export",
              "--journal",
              journal.toString(),
              "--otlp",
              "http://127.0.0.1:" + collector.getAddress().getPort(),
              "--destination",
              "ratings");
      assertThat(run.exit()).as(run.err()).isEqualTo(ReplayCommand.OK);
    } finally {
      collector.stop(0);
    }
    assertThat(bodies).hasSize(1);
    String body = bodies.get(0);
    assertThat(count(body, "\"spanId\"")).isEqualTo(RecordedJournal.RATINGS_GET);
    assertThat(body)
        .contains("{\"key\":\"service.name\",\"value\":{\"stringValue\":\"ratings-v1\"}}");
    assertThat(body).contains("\"kind\":2").contains("\"istio.route\"");
  }

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  private static double valueFor(String json, String label, String value) {
    Matcher m =
        Pattern.compile(
                "\\{\""
                    + label
                    + "\":\""
                    + Pattern.quote(value)
                    + "\"\\},\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]")
            .matcher(json);
    assertThat(m.find()).as(label + "=" + value + " in " + json).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static double single(String json) {
    Matcher m = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]").matcher(json);
    assertThat(m.find()).as(json).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
