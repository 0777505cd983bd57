package dev.jmesh.testapps.outboundload;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one run measured, as one line a benchmark script parses: {@code RESULT client=okhttp
 * requests=N errors=E rps=R p50us=A p90us=B p99us=C p999us=D maxus=M jitms=J}. Latencies are in
 * microseconds with one decimal; {@code requests} counts the successful (200) ones; {@code jitms}
 * is how long the JIT compiled during the measured window (summed over its threads; -1 where the
 * JVM does not say), since a window the compiler shared measures the warm-up, not the client.
 */
record LoadResult(
    Histogram latencies, long errors, int seconds, Exception firstError, long jitMillis) {

  String line(String client) {
    return String.format(
        Locale.ROOT,
        "RESULT client=%s requests=%d errors=%d rps=%.1f p50us=%.1f p90us=%.1f p99us=%.1f"
            + " p999us=%.1f maxus=%.1f jitms=%d",
        client,
        latencies.getTotalCount(),
        errors,
        latencies.getTotalCount() / (double) seconds,
        micros(50),
        micros(90),
        micros(99),
        micros(99.9),
        latencies.getMaxValue() / 1000.0,
        jitMillis);
  }

  private double micros(double percentile) {
    return latencies.getValueAtPercentile(percentile) / 1000.0;
  }
}
