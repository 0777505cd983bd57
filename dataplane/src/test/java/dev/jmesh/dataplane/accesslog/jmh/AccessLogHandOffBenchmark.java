package dev.jmesh.dataplane.accesslog.jmh;

import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.accesslog.AccessLogFormat;
import dev.jmesh.dataplane.accesslog.AccessLogSink;
import dev.jmesh.dataplane.accesslog.AccessLogWriter;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TrafficSeries;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the request path pays per request for its record: filling it (the request attributes
 * included), counting it in the Istio metrics, and handing it to the access log's writer (a
 * snapshot into the lock-free queue; the writer formats Istio's default line into {@code /dev/null}
 * on its own thread). Run by hand, never by the build:
 *
 * <pre>
 * mvn -q -o -f dataplane/pom.xml test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * cd dataplane
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
 *     org.openjdk.jmh.Main AccessLogHandOffBenchmark -f1 -wi 3 -i 5 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessLogHandOffBenchmark {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("10.0.0.5", 41234);
  private static final InetSocketAddress LISTENER = new InetSocketAddress("10.0.0.7", 9080);

  private IstioMetrics metrics;
  private TrafficLabels labels;
  private TrafficSeries route;
  private RequestRecord record;
  private AccessLogWriter writer;
  private AccessLog accessLog;
  private AccessLog shortLog;
  private long now;

  @Setup
  public void setUp() {
    metrics = new IstioMetrics();
    labels =
        TrafficLabels.builder(Reporter.DESTINATION)
            .source(
                WorkloadLabels.builder().workload("productpage-v1").namespace("default").build())
            .destination(
                WorkloadLabels.builder().workload("reviews-v2").namespace("default").build())
            .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
            .build();
    route = metrics.traffic(labels);
    record = new RequestRecord();
    writer = new AccessLogWriter(AccessLogWriter.DEFAULT_CAPACITY);
    accessLog =
        new AccessLog(
            List.of(
                new AccessLogSink("/dev/null", AccessLogFormat.text(AccessLogFormat.ISTIO_TEXT))),
            writer);
    shortLog =
        new AccessLog(
            List.of(new AccessLogSink("/dev/null", AccessLogFormat.text("%RESPONSE_CODE%\n"))),
            writer);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    writer.stop();
    System.out.println(
        "\naccess log: written " + writer.written() + ", dropped " + writer.dropped());
    System.out.flush();
  }

  private RequestRecord fill() {
    long t = now += 1_000_000L;
    return record
        .reset()
        .traffic(labels)
        .protocol(RequestProtocol.HTTP)
        .request("GET", "reviews:9080", "/reviews/1")
        .protocolVersion(RequestRecord.HTTP_1_1)
        .clientHeaders("curl/8.5.0", null)
        .requestId("0b5e6f1c-1f0d-4f0a-9d35-62ad1d1f2b7e")
        .route("default")
        .cluster("inbound|9080||")
        .upstreamHost("127.0.0.1:9080")
        .downstream(LISTENER, CLIENT)
        .peerPrincipal("spiffe://cluster.local/ns/default/sa/productpage")
        .start(1_700_000_000_000L, t)
        .upstreamStarted(t + 10_000L)
        .upstreamFinished(t + 900_000L)
        .responseCode(200)
        .responseCodeDetails("via_upstream")
        .bytes(0, 512)
        .finish(t + 950_000L);
  }

  /** Fill and count: the path without an access log. */
  @Benchmark
  public RequestRecord recordAndMetrics() {
    RequestRecord r = fill();
    metrics.record(route, r);
    return r;
  }

  /** Fill, count and hand to the access log: the path with one configured. */
  @Benchmark
  public RequestRecord recordMetricsAndAccessLog() {
    RequestRecord r = fill();
    metrics.record(route, r);
    accessLog.record(r);
    return r;
  }

  /**
   * As {@link #recordMetricsAndAccessLog} with a one-operator format, which the writer formats fast
   * enough to keep up more often: more of the hand-offs are queued lines rather than drops.
   */
  @Benchmark
  public RequestRecord recordMetricsAndShortAccessLog() {
    RequestRecord r = fill();
    metrics.record(route, r);
    shortLog.record(r);
    return r;
  }

  /**
   * Work between requests (an application's own), so the writer keeps up and every line is queued
   * rather than dropped: the difference to {@link #pacedRecordAndMetrics} is the hand-off of a line
   * that is written.
   */
  private static final long APPLICATION_WORK = 4096;

  @Benchmark
  public RequestRecord pacedRecordAndMetrics() {
    Blackhole.consumeCPU(APPLICATION_WORK);
    return recordAndMetrics();
  }

  @Benchmark
  public RequestRecord pacedRecordMetricsAndAccessLog() {
    Blackhole.consumeCPU(APPLICATION_WORK);
    return recordMetricsAndAccessLog();
  }
}
