package dev.jmesh.testsuite.engine;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's {@code promtool check metrics} (Debian's {@code prometheus} package) on a scrape.
 */
public final class Promtool {

  /** What promtool says of Istio's histogram name; the dashboards need the name as it is. */
  public static final String ISTIO_DURATION_UNIT_REMARK =
      "istio_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"";

  /** Its exit code (0 clean, 3 lint remarks, 1 unparsable) and what it printed. */
  public record Result(int exitCode, String output) {}

  private Promtool() {}

  public static Result checkMetrics(String exposition) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("promtool is missing: apt-get install prometheus (.ci/run does)", e);
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("promtool did not finish in 30 s");
    }
    return new Result(p.exitValue(), output);
  }
}
