package dev.jmesh.journal.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrafficTest {

  /** What the target saw of one request. */
  record Seen(
      String method,
      String path,
      String replayHeader,
      String authorization,
      String accept,
      String body) {}

  @TempDir static Path tmp;

  static Path journal;
  static HttpServer target;
  static final List<Seen> seen = new CopyOnWriteArrayList<>();
  static final Instant BASE = Instant.parse("2026-11-30T10:00:00Z");

  @BeforeAll
  static void recordAndStartTarget() throws Exception {
    journal = tmp.resolve("journal");
    RecordedJournal.write(journal, BASE.toEpochMilli());
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/",
        exchange -> {
          String body;
          try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          }
          String path = exchange.getRequestURI().getPath();
          seen.add(
              new Seen(
                  exchange.getRequestMethod(),
                  path,
                  exchange.getRequestHeaders().getFirst("x-jmesh-replay"),
                  exchange.getRequestHeaders().getFirst("authorization"),
                  exchange.getRequestHeaders().getFirst("accept"),
                  body));
          // Today reviews never fails (it did 6 times in the recording), ratings answers as before.
          int code =
              exchange.getRequestMethod().equals("POST")
                  ? 201
                  : path.startsWith("/ratings/") && path.endsWith("5") ? 404 : 200;
          exchange.sendResponseHeaders(code, -1);
          exchange.close();
        });
    target.start();
  }

  @AfterAll
  static void stopTarget() {
    target.stop(0);
  }

  @BeforeEach
  void forget() {
    seen.clear();
  }

  private static String url() {
    return "http://127.0.0.1:" + target.getAddress().getPort();
  }

  @Test
  void safeRequestsAreReplayedAndStatusDifferencesReported() {
    ReplayRun run =
        ReplayRun.of(
            "traffic", "--journal", journal.toString(), "--target", url(), "--rate-scale", "1000");
    assertThat(run.exit()).as(run.err()).isEqualTo(ReplayCommand.OK);
    assertThat(seen).hasSize(RecordedJournal.REVIEWS_GET + RecordedJournal.RATINGS_GET);
    assertThat(seen).allSatisfy(s -> assertThat(s.method()).isEqualTo("GET"));
    assertThat(seen).allSatisfy(s -> assertThat(s.replayHeader()).isEqualTo("true"));
    // The recorded Authorization was redacted: never sent as "[REDACTED]"; other headers are.
    assertThat(seen).allSatisfy(s -> assertThat(s.authorization()).isNull());
    assertThat(seen).allSatisfy(s -> assertThat(s.accept()).isEqualTo("application/json"));
    assertThat(seen).extracting(Seen::path).contains("/reviews/0", "/reviews/59", "/ratings/39");
    assertThat(run.out())
        .contains("traffic: 100 replayed to " + url() + ", 0 failed to get a response, 15 skipped")
        .contains("tcp=5")
        .contains("unsafe method=10")
        .contains("status: 94 same as recorded, 6 different")
        .contains("503 -> 200: 6")
        .containsPattern("reviews\\.default\\.svc\\.cluster\\.local +reviews-v1 +60 +6 ");
  }

  @Test
  void unsafeMethodsOnlyWhenAskedAndWithTheirRecordedBodies() {
    ReplayRun run =
        ReplayRun.of(
            "traffic",
            "--journal",
            journal.toString(),
            "--target",
            url(),
            "--rate-scale",
            "1000",
            "--method",
            "POST",
            "--unsafe-methods");
    assertThat(run.exit()).as(run.err()).isEqualTo(ReplayCommand.OK);
    assertThat(seen).hasSize(RecordedJournal.REVIEWS_POST);
    assertThat(seen).extracting(Seen::body).contains("{\"n\":0}", "{\"n\":9}");
    assertThat(run.out()).contains("status: 10 same as recorded, 0 different");
  }

  @Test
  void theRecordedPaceIsKeptScaled() {
    // Ten ratings entries one recorded second apart, at ten times the pace: about 0.9 s.
    long started = System.nanoTime();
    ReplayRun run =
        ReplayRun.of(
            "traffic",
            "--journal",
            journal.toString(),
            "--target",
            url(),
            "--rate-scale",
            "10",
            "--destination",
            "ratings",
            "--from",
            "2026-11-30T10:01:01Z",
            "--to",
            "2026-11-30T10:01:11Z");
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(run.exit()).as(run.err()).isEqualTo(ReplayCommand.OK);
    assertThat(seen).hasSize(10);
    assertThat(tookMillis).isBetween(850L, 8_000L);
  }

  @Test
  void failOnDiffExitsWithItsOwnCode() {
    ReplayRun run =
        ReplayRun.of(
            "traffic",
            "--journal",
            journal.toString(),
            "--target",
            url(),
            "--rate-scale",
            "1000",
            "--status",
            "5xx",
            "--fail-on-diff");
    assertThat(run.exit()).isEqualTo(ReplayCommand.DIFFERENCES);
    assertThat(run.out()).contains("status: 0 same as recorded, 6 different");
  }

  @Test
  void aTargetThatIsDownIsATargetError() {
    ReplayRun run =
        ReplayRun.of(
            "traffic",
            "--journal",
            journal.toString(),
            "--target",
            "http://127.0.0.1:1",
            "--rate-scale",
            "1000",
            "--destination",
            "ratings",
            "--timeout",
            "2s");
    assertThat(run.exit()).isEqualTo(ReplayCommand.TARGET_ERROR);
    assertThat(run.err()).contains("no request to http://127.0.0.1:1 got a response");
  }
}
