package dev.jmesh.dataplane.stats.jmh;

import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TrafficSeries;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recording one completed request into the four Istio request metrics (a counter and three
 * histograms), the cost the request path pays per request. Run by hand, never by the build:
 *
 * <pre>
 * mvn -q -o -f dataplane/pom.xml test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * cd dataplane
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
 *     org.openjdk.jmh.Main RequestMetricsBenchmark -f1 -wi 2 -i 3 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestMetricsBenchmark {

  /** Status codes a route sees; each one is its own series. */
  private static final int[] CODES = {200, 201, 204, 302, 404, 500, 503, 504};

  private IstioMetrics metrics;
  private TrafficLabels labels;
  private TrafficLabels equalLabels;
  private RequestRecord equalRecord;
  private TrafficSeries route;
  private RequestRecord record;
  private int next;
  private final AtomicLongArray floor = new AtomicLongArray(64);

  @Setup
  public void setUp() {
    metrics = new IstioMetrics();
    labels = labels("v2");
    route = metrics.traffic(labels);
    equalLabels = labels("v2");
    // Other routes' series in the table, so lookups are not into an almost empty one.
    for (int v = 0; v < 200; v++) {
      TrafficSeries other = metrics.traffic(labels("v" + v));
      for (int code : CODES) {
        metrics.record(other, filled(new RequestRecord(), labels("v" + v), code));
      }
    }
    record = filled(new RequestRecord(), labels, 200);
    equalRecord = filled(new RequestRecord(), equalLabels, 200);
  }

  private static TrafficLabels labels(String version) {
    return TrafficLabels.builder(Reporter.SOURCE)
        .source(
            WorkloadLabels.builder()
                .workload("productpage-v1")
                .namespace("default")
                .principal("spiffe://cluster.local/ns/default/sa/productpage")
                .app("productpage")
                .version("v1")
                .build())
        .destination(
            WorkloadLabels.builder()
                .workload("reviews-" + version)
                .namespace("default")
                .app("reviews")
                .version(version)
                .build())
        .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
        .securityPolicy(ConnectionSecurityPolicy.UNKNOWN)
        .build();
  }

  private static RequestRecord filled(RequestRecord record, TrafficLabels labels, int code) {
    return record
        .reset()
        .traffic(labels)
        .protocol(RequestProtocol.HTTP)
        .route("reviews-v2")
        .cluster("outbound|9080|v2|reviews.default.svc.cluster.local")
        .upstreamHost("10.0.0.7:9080")
        .responseCode(code)
        .bytes(180, 5230)
        .durationNanos(7_300_000L);
  }

  /** The same series as the last request: a 200 on a route whose handle the caller cached. */
  @Benchmark
  public void cachedSeries() {
    record.responseCode(200);
    metrics.record(route, record);
  }

  /**
   * Another status code than the last request on a known route: the series is found in the table by
   * its packed key rather than being the one just used.
   */
  @Benchmark
  public void otherStatusOnKnownRoute() {
    record.responseCode(CODES[next++ & 7]);
    metrics.record(route, record);
  }

  /**
   * A caller that did not cache the handle but keeps one labels object per route: the edge is found
   * by those labels (a hash lookup that ends on an identity check).
   */
  @Benchmark
  public void byTrafficLabels() {
    record.responseCode(CODES[next++ & 7]);
    metrics.record(record);
  }

  /**
   * Labels equal to the interned ones but another object (two routes that built the same labels):
   * the lookup ends on a field-by-field comparison. Caching the handle avoids it.
   */
  @Benchmark
  public void byEqualTrafficLabels() {
    equalRecord.responseCode(CODES[next++ & 7]);
    metrics.record(equalRecord);
  }

  /**
   * The floor on this machine: the six atomic adds a request makes (three sums, three buckets) and
   * nothing else. Compare the others with it when the cores are shared and noisy.
   */
  @Benchmark
  public void floorSixAtomicAdds() {
    floor.getAndAdd(0, 7);
    floor.getAndAdd(1, 180);
    floor.getAndAdd(2, 5230);
    floor.getAndIncrement(3);
    floor.getAndIncrement(24);
    floor.getAndIncrement(45);
  }

  /** What a request pays in all: reset and fill its reused record, then record it. */
  @Benchmark
  public void fillAndRecord() {
    filled(record, labels, CODES[next++ & 7]);
    metrics.record(route, record);
  }
}
