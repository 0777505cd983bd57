package dev.jmesh.dataplane.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sampling decision and the cost of a span on the request path. */
class SpanStartTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final SpanTarget NOWHERE = new SpanTarget(null, null, "127.0.0.1:1", 1000);

  @Test
  void theCallersDecisionWinsOverTheConfiguredPercentage() {
    Tracing never = new Tracing(0, NOWHERE, "", Map.of());
    Tracing always = new Tracing(100, NOWHERE, "", Map.of());
    RequestRecord r = new RequestRecord();
    never.startServer(Map.of("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01")::get, r, 7);
    assertThat(r.traceFlags() & TraceHeaders.SAMPLED).isNotZero();
    always.startServer(Map.of("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-00")::get, r, 7);
    assertThat(r.traceFlags() & TraceHeaders.SAMPLED).isZero();
    always.startServer(Map.of("x-b3-sampled", "0")::get, r, 7);
    assertThat(r.traceFlags() & TraceHeaders.SAMPLED).as("a B3 decision without ids").isZero();
    assertThat(r.traceFlags() & TraceHeaders.NEW_TRACE).isNotZero();
  }

  @Test
  void withoutADecisionTheConfiguredPercentageSamples() {
    SplittableRandom random = new SplittableRandom(1);
    RequestRecord r = new RequestRecord();
    int[] sampled = new int[3];
    double[] percents = {0, 25, 100};
    for (int p = 0; p < 3; p++) {
      Tracing t = new Tracing(percents[p], NOWHERE, "", Map.of());
      for (int i = 0; i < 10_000; i++) {
        t.startServer(name -> null, r, random.nextLong());
        sampled[p] += (r.traceFlags() & TraceHeaders.SAMPLED) != 0 ? 1 : 0;
      }
    }
    assertThat(sampled[0]).isZero();
    assertThat(sampled[1]).isBetween(2_300, 2_700);
    assertThat(sampled[2]).isEqualTo(10_000);
  }

  @Test
  void aCallersUnsampledDecisionGoesOnUntouched() {
    Tracing t = new Tracing(100, NOWHERE, "", Map.of());
    RequestRecord r = new RequestRecord();
    assertThat(
            t.startServer(Map.of("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-00")::get, r, 9))
        .as("no header is rewritten")
        .isFalse();
    assertThat(
            t.startServer(Map.of("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01")::get, r, 9))
        .isTrue();
  }

  /**
   * A request that is not sampled costs no allocation: reading the caller's context, deciding and
   * "reporting" the span (nothing goes to the exporter).
   */
  @Test
  void anUnsampledSpanAllocatesNothingOnTheRequestThread() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    Tracing tracing = new Tracing(0, NOWHERE, "reviews.default", Map.of());
    TrafficLabels labels = TrafficLabels.builder(Reporter.DESTINATION).build();
    String traceparent = "00-" + TRACE + "-00f067aa0ba902b7-00";
    TraceHeaders.Reader headers = name -> name.equals("traceparent") ? traceparent : null;
    RequestRecord record = new RequestRecord();
    long random = 1;
    for (int i = 0; i < 20_000; i++) {
      record.reset();
      tracing.startServer(headers, record, random++);
      tracing.report(labels, record);
    }
    int n = 100_000;
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < n; i++) {
      record.reset();
      tracing.startServer(headers, record, random++);
      tracing.report(labels, record);
    }
    long after = threads.getCurrentThreadAllocatedBytes();
    assertThat((after - before) / (double) n).isLessThan(1.0);
  }
}
