package dev.jmesh.dataplane.trace.jmh;

import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.trace.SpanTarget;
import dev.jmesh.dataplane.trace.TraceHeaders;
import dev.jmesh.dataplane.trace.Tracing;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a span costs the request path: reading the caller's context, deciding, writing the headers
 * when they must change, and reporting the finished span (for a sampled one: a snapshot into the
 * exporter's lock-free queue; the exporter here fails fast, its cluster being unknown). Run by
 * hand, never by the build, as {@code AccessLogHandOffBenchmark} says:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
 *     org.openjdk.jmh.Main SpanStartBenchmark -f1 -wi 3 -i 5 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpanStartBenchmark {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String UNSAMPLED = "00-" + TRACE + "-00f067aa0ba902b7-00";
  private static final String SAMPLED = "00-" + TRACE + "-00f067aa0ba902b7-01";
  private static final SpanTarget NOWHERE =
      new SpanTarget("outbound|4317||nowhere.invalid", null, null, 1000);

  private final Tracing neverSampled = new Tracing(0, NOWHERE, "reviews.default", Map.of());
  private final TrafficLabels labels = TrafficLabels.builder(Reporter.DESTINATION).build();
  private final RequestRecord record = new RequestRecord();
  private final TraceHeaders.Reader unsampledCaller =
      name -> name.equals("traceparent") ? UNSAMPLED : null;
  private final TraceHeaders.Reader sampledCaller =
      name -> name.equals("traceparent") ? SAMPLED : null;
  private final TraceHeaders.Reader noCaller = name -> null;

  private void span(TraceHeaders.Reader headers, Blackhole bh) {
    record.reset();
    if (neverSampled.startServer(headers, record, ThreadLocalRandom.current().nextLong())) {
      TraceHeaders.inject(record, (name, value) -> bh.consume(value));
    }
    neverSampled.report(labels, record);
  }

  /** The caller said "do not sample": the headers go on untouched, nothing is reported. */
  @Benchmark
  public void unsampledCaller(Blackhole bh) {
    span(unsampledCaller, bh);
  }

  /** A new trace the sampling leaves out: a new traceparent (flags 00) still goes out. */
  @Benchmark
  public void newTraceNotSampled(Blackhole bh) {
    span(noCaller, bh);
  }

  /** The caller sampled: a new traceparent and the span handed to the exporter. */
  @Benchmark
  public void sampledCaller(Blackhole bh) {
    span(sampledCaller, bh);
  }
}
