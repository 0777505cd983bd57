package dev.jmesh.journal.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jmesh.journal.JournalReader;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrintAndSummaryTest {

  @TempDir static Path tmp;

  static Path journal;
  static long base;

  @BeforeAll
  static void record() throws Exception {
    journal = tmp.resolve("journal");
    base = Instant.parse("2026-11-30T10:00:00Z").toEpochMilli();
    RecordedJournal.write(journal, base);
  }

  @Test
  void theReaderCountsEntriesWithoutReadingThem() throws Exception {
    try (JournalReader reader = JournalReader.open(journal)) {
      assertThat(reader.count()).isEqualTo(RecordedJournal.TOTAL);
    }
  }

  @Test
  void printShowsEveryEntryAsOneLine() {
    ReplayRun run = ReplayRun.of("print", "--journal", journal.toString());
    assertThat(run.exit()).isEqualTo(ReplayCommand.OK);
    assertThat(run.lines()).isEqualTo(RecordedJournal.TOTAL);
    assertThat(run.out())
        .contains(
            "2026-11-30T10:00:01Z destination http \"GET reviews:9080/reviews/0\" 503 UH 1.0ms"
                + " upstream=0.9ms productpage-v1.default -> reviews-v1.default"
                + " service=reviews.default.svc.cluster.local route=reviews-v1");
  }

  @Test
  void printFiltersCombine() {
    assertThat(ReplayRun.of("print", "--journal", journal.toString(), "--status", "5xx").lines())
        .isEqualTo(6);
    assertThat(ReplayRun.of("print", "--journal", journal.toString(), "--flags", "UH").lines())
        .isEqualTo(6);
    assertThat(ReplayRun.of("print", "--journal", journal.toString(), "--flags", "any").lines())
        .isEqualTo(6);
    assertThat(ReplayRun.of("print", "--journal", journal.toString(), "--status", "404").lines())
        .isEqualTo(4);
    assertThat(
            ReplayRun.of("print", "--journal", journal.toString(), "--destination", "ratings")
                .lines())
        .isEqualTo(RecordedJournal.RATINGS_GET);
    assertThat(
            ReplayRun.of("print", "--journal", journal.toString(), "--route", "reviews-v1").lines())
        .isEqualTo(RecordedJournal.REVIEWS_GET + RecordedJournal.REVIEWS_POST);
    assertThat(
            ReplayRun.of(
                    "print",
                    "--journal",
                    journal.toString(),
                    "--route",
                    "reviews-v1",
                    "--min-duration",
                    "50ms")
                .lines())
        .isEqualTo(11);
    assertThat(
            ReplayRun.of("print", "--journal", journal.toString(), "--source", "reviews-v1.default")
                .lines())
        .isEqualTo(RecordedJournal.TCP);
    // Entries start at base+1s, +2s, ...: [base+1s, base+11s) holds the first ten.
    assertThat(
            ReplayRun.of(
                    "print",
                    "--journal",
                    journal.toString(),
                    "--from",
                    "2026-11-30T10:00:01Z",
                    "--to",
                    "2026-11-30T10:00:11Z")
                .lines())
        .isEqualTo(10);
  }

  @Test
  void printJsonIsOneObjectPerLineWithHeadersOnRequest() {
    ReplayRun run =
        ReplayRun.of(
            "print",
            "--journal",
            journal.toString(),
            "--format",
            "json",
            "--headers",
            "--method",
            "POST",
            "--limit",
            "1");
    assertThat(run.exit()).isEqualTo(ReplayCommand.OK);
    assertThat(run.lines()).isEqualTo(1);
    assertThat(run.out())
        .startsWith("{\"start_time\":\"2026-11-30T10:01:41Z\"")
        .contains("\"method\":\"POST\"")
        .contains("\"response_code\":201")
        .contains("[\"authorization\",\"[REDACTED]\"]")
        .contains("\"request_body\":\"{\\\"n\\\":0}\"");
  }

  @Test
  void summaryCountsErrorsAndPercentilesPerServiceAndRoute() {
    ReplayRun run = ReplayRun.of("summary", "--journal", journal.toString(), "--format", "json");
    assertThat(run.exit()).isEqualTo(ReplayCommand.OK);
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(3);
    String reviews = line(lines, "reviews.default.svc.cluster.local");
    assertThat(number(reviews, "requests")).isEqualTo(70);
    assertThat(number(reviews, "errors")).isEqualTo(6);
    assertThat(number(reviews, "p50_ms")).isCloseTo(25, within(0.1));
    assertThat(number(reviews, "p99_ms")).isCloseTo(60, within(0.1));
    String ratings = line(lines, "ratings.default.svc.cluster.local");
    assertThat(number(ratings, "requests")).isEqualTo(40);
    assertThat(number(ratings, "errors")).isZero();
    assertThat(number(ratings, "p50_ms")).isCloseTo(119, within(0.2));
    assertThat(number(ratings, "p90_ms")).isCloseTo(135, within(0.2));
    String mysql = line(lines, "mysql.default.svc.cluster.local");
    assertThat(number(mysql, "requests")).isEqualTo(5);
  }

  @Test
  void summaryTableAndChart() throws Exception {
    Path chart = tmp.resolve("summary.png");
    ReplayRun run =
        ReplayRun.of("summary", "--journal", journal.toString(), "--chart", chart.toString());
    assertThat(run.exit()).isEqualTo(ReplayCommand.OK);
    assertThat(run.out().lines().findFirst().orElseThrow())
        .matches("SERVICE +ROUTE +REQUESTS +ERRORS +ERROR% +P50ms +P90ms +P99ms");
    assertThat(run.out())
        .containsPattern("reviews\\.default\\.svc\\.cluster\\.local +reviews-v1 +70 +6 +8\\.57 ");
    BufferedImage image = ImageIO.read(Files.newInputStream(chart));
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isEqualTo(1000);
    assertThat(image.getHeight()).isGreaterThan(3 * 54);
  }

  @Test
  void helpOnEveryLevelAndClearUsageErrors() {
    assertThat(ReplayRun.of("--help").out()).contains("print", "summary", "export", "traffic");
    for (String sub : new String[] {"print", "summary", "export", "traffic"}) {
      ReplayRun help = ReplayRun.of(sub, "--help");
      assertThat(help.exit()).isEqualTo(ReplayCommand.OK);
      assertThat(help.out()).startsWith("Usage: mesh replay " + sub).contains("Exit codes");
    }
    ReplayRun typo = ReplayRun.of("print", "--journal", journal.toString(), "--statsu", "5xx");
    assertThat(typo.exit()).isEqualTo(ReplayCommand.USAGE);
    assertThat(typo.err()).contains("unknown option --statsu").contains("--status");
    ReplayRun badStatus = ReplayRun.of("print", "--journal", journal.toString(), "--status", "5x");
    assertThat(badStatus.exit()).isEqualTo(ReplayCommand.USAGE);
    assertThat(badStatus.err()).contains("'5x' is neither a class like 5xx nor a code");
    assertThat(ReplayRun.of("frobnicate").exit()).isEqualTo(ReplayCommand.USAGE);
    assertThat(ReplayRun.of("print").err()).contains("--journal DIR").contains("MESH_JOURNAL");
  }

  @Test
  void aMissingJournalIsAJournalError() {
    ReplayRun run = ReplayRun.of("summary", "--journal", tmp.resolve("none").toString());
    assertThat(run.exit()).isEqualTo(ReplayCommand.JOURNAL_ERROR);
    assertThat(run.err()).contains("does not exist");
  }

  private static String line(List<String> lines, String service) {
    return lines.stream()
        .filter(l -> l.contains("\"service\":\"" + service + "\""))
        .findFirst()
        .orElseThrow();
  }

  private static double number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":([0-9.E-]+)").matcher(json);
    assertThat(m.find()).as(field + " in " + json).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
