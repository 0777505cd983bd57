package dev.jmesh.testapps.outboundload;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one run measured, as one line a benchmark script parses: {@code RESULT client=okhttp
 * requests=N errors=E rps=R p50us=A p90us=B p99us=C p999us=D maxus=M}. Latencies are in
 * microseconds with one decimal; {@code requests} counts the successful (200) ones.
 */
record LoadResult(Histogram latencies, long errors, int seconds, Exception firstError) {

  String line(String client) {
    return String.format(
        Locale.ROOT,
        "RESULT client=%s requests=%d errors=%d rps=%.1f p50us=%.1f p90us=%.1f p99us=%.1f"
            + " p999us=%.1f maxus=%.1f",
        client,
        latencies.getTotalCount(),
        errors,
        latencies.getTotalCount() / (double) seconds,
        micros(50),
        micros(90),
        micros(99),
        micros(99.9),
        latencies.getMaxValue() / 1000.0);
  }

  private double micros(double percentile) {
    return latencies.getValueAtPercentile(percentile) / 1000.0;
  }
}
