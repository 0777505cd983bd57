package dev.jmesh.journal;

/** Records as the data path would fill them, for the journal's tests and benchmarks. */
public final class SampleRecords {

  private SampleRecords() {}

  /** An inbound HTTP request to reviews-v2; {@code n} varies the path, status and timing. */
  public static JournalRecord reviews(JournalRecord r, int n, long startMillis) {
    return r.reset()
        .reporter(JournalReporter.DESTINATION)
        .protocol(JournalProtocol.HTTP)
        .start(startMillis)
        .durationNanos((n % 50 + 1) * 1_000_000L)
        .upstreamNanos((n % 50) * 900_000L)
        .source("productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/productpage")
        .destination("reviews-v2", "default", "spiffe://cluster.local/ns/default/sa/reviews")
        .destinationService("reviews.default.svc.cluster.local")
        .route("default")
        .cluster("inbound|9080||")
        .upstreamHost("127.0.0.1:9080")
        .request("GET", "reviews:9080", "/reviews/" + n)
        .requestId("req-" + n)
        .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
        .securityPolicy("mutual_tls")
        .responseCode(n % 10 == 0 ? 503 : 200)
        .responseFlags(n % 10 == 0 ? 1 << 1 : 0)
        .bytes(0, 512);
  }
}
