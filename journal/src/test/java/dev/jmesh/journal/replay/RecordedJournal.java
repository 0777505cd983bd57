package dev.jmesh.journal.replay;

import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalProtocol;
import dev.jmesh.journal.JournalRecord;
import dev.jmesh.journal.JournalReporter;
import dev.jmesh.journal.JournalSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A journal with known content, one entry a second from {@code base}:
 *
 * <ul>
 *   <li>60 GET /reviews/i to reviews (route reviews-v1) taking i+1 ms, a 503 UH for i % 10 == 0;
 *   <li>40 GET /ratings/i to ratings (route ratings) taking 100+i ms, a 404 for i % 10 == 5;
 *   <li>10 POST /reviews with a body to reviews (route reviews-v1), 201 in 5 ms;
 *   <li>5 TCP connections to mysql, 1000 bytes each way.
 * </ul>
 */
final class RecordedJournal {

  static final int REVIEWS_GET = 60;
  static final int RATINGS_GET = 40;
  static final int REVIEWS_POST = 10;
  static final int TCP = 5;
  static final int TOTAL = REVIEWS_GET + RATINGS_GET + REVIEWS_POST + TCP;

  private RecordedJournal() {}

  static void write(Path dir, long base) throws Exception {
    try (Journal journal = Journal.open(JournalSettings.builder(dir).maxBodyBytes(4096).build())) {
      JournalRecord r = new JournalRecord();
      long t = base;
      for (int i = 0; i < REVIEWS_GET; i++) {
        http(r, "reviews", "reviews-v1", "GET", "/reviews/" + i, t += 1000, i + 1);
        r.responseCode(i % 10 == 0 ? 503 : 200).responseFlags(i % 10 == 0 ? 1 << 1 : 0);
        offer(journal, r);
      }
      for (int i = 0; i < RATINGS_GET; i++) {
        http(r, "ratings", "ratings", "GET", "/ratings/" + i, t += 1000, 100 + i);
        r.responseCode(i % 10 == 5 ? 404 : 200);
        offer(journal, r);
      }
      for (int i = 0; i < REVIEWS_POST; i++) {
        http(r, "reviews", "reviews-v1", "POST", "/reviews", t += 1000, 5);
        byte[] body = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        r.requestBody(body, 0, body.length).bytes(body.length, 0).responseCode(201);
        r.addRequestHeader("content-type", "application/json");
        offer(journal, r);
      }
      for (int i = 0; i < TCP; i++) {
        r.reset()
            .reporter(JournalReporter.SOURCE)
            .protocol(JournalProtocol.TCP)
            .start(t += 1000)
            .durationNanos(2_000_000_000L)
            .source("reviews-v1", "default", "spiffe://cluster.local/ns/default/sa/reviews")
            .destination("mysql-v1", "default", "spiffe://cluster.local/ns/default/sa/mysql")
            .destinationService("mysql.default.svc.cluster.local")
            .cluster("outbound|3306||mysql.default.svc.cluster.local")
            .bytes(1000, 1000);
        offer(journal, r);
      }
    }
  }

  private static void http(
      JournalRecord r,
      String service,
      String route,
      String method,
      String path,
      long start,
      long millis) {
    r.reset()
        .reporter(JournalReporter.DESTINATION)
        .protocol(JournalProtocol.HTTP)
        .start(start)
        .durationNanos(millis * 1_000_000L)
        .upstreamNanos(millis * 900_000L)
        .source("productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/productpage")
        .destination(service + "-v1", "default", "spiffe://cluster.local/ns/default/sa/" + service)
        .destinationService(service + ".default.svc.cluster.local")
        .route(route)
        .cluster("inbound|9080||")
        .upstreamHost("127.0.0.1:9080")
        .request(method, service + ":9080", path)
        .requestId(service + "-" + start)
        .traceId(String.format("%032x", start))
        .securityPolicy("mutual_tls")
        .addRequestHeader("authorization", "Bearer not-for-replay")
        .addRequestHeader("accept", "application/json");
  }

  private static void offer(Journal journal, JournalRecord r) {
    if (!journal.offer(r)) {
      throw new IllegalStateException("the test journal's ring overflowed");
    }
  }
}
