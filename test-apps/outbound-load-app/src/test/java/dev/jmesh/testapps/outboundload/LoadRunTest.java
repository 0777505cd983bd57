package dev.jmesh.testapps.outboundload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadRunTest {

  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicLong delayMillis = new AtomicLong();
  private final AtomicLong served = new AtomicLong();
  private HttpServer server;
  private URI url;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/",
        exchange -> {
          try {
            Thread.sleep(delayMillis.get());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          served.incrementAndGet();
          byte[] body = new byte[1024];
          exchange.sendResponseHeaders(status.get(), body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  @Test
  void closedLoopMeasuresEveryClientAndPrintsOneParsableLine() throws Exception {
    for (String client : new String[] {"jdk-httpclient", "okhttp"}) {
      LoadOptions options = options(client, 2, 1, 0);
      LoadResult result;
      try (HttpLoadClient c = OutboundLoadApp.open(options)) {
        result = new LoadRun(options, c).run();
      }
      assertThat(result.latencies().getTotalCount()).as(client).isGreaterThan(10);
      assertThat(result.errors()).as(client).isZero();
      assertThat(result.line(client))
          .matches(
              "RESULT client="
                  + client
                  + " requests=\\d+ errors=0 rps=[\\d.]+ p50us=[\\d.]+ p90us=[\\d.]+"
                  + " p99us=[\\d.]+ p999us=[\\d.]+ maxus=[\\d.]+ jitms=\\d+");
    }
  }

  @Test
  void anotherWindowOnTheSameClientCountsOnlyItsOwnRequests() throws Exception {
    LoadOptions options = options("okhttp", 2, 1, 0);
    try (HttpLoadClient c = OutboundLoadApp.open(options)) {
      LoadRun run = new LoadRun(options, c);
      LoadResult first = run.run();
      long before = served.get();
      LoadResult second = run.window();
      long during = served.get() - before;
      assertThat(first.latencies().getTotalCount()).isGreaterThan(10);
      // No warm-up: every request the second window sent is in its result, and nothing else.
      assertThat(second.latencies().getTotalCount()).isGreaterThan(10).isEqualTo(during);
      assertThat(second.errors()).isZero();
    }
  }

  @Test
  void withHoldEachAgainLineRunsAnotherWindowAndAnyOtherLineEndsIt() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process app =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                OutboundLoadApp.class.getName(),
                "--client",
                "okhttp",
                "--url",
                url.toString(),
                "--connections",
                "1",
                "--seconds",
                "1",
                "--warmup",
                "0",
                "--hold")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
            new BufferedReader(
                new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new OutputStreamWriter(app.getOutputStream(), StandardCharsets.UTF_8)) {
      assertThat(nextResult(out)).contains("errors=0");
      in.write(OutboundLoadApp.AGAIN + "\n");
      in.flush();
      assertThat(nextResult(out)).contains("errors=0");
      in.write("quit\n");
      in.flush();
      assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("exited after quit").isTrue();
      assertThat(app.exitValue()).isZero();
    } finally {
      app.destroyForcibly();
    }
  }

  /** The next RESULT line the app prints; fails on the end of its output. */
  private static String nextResult(BufferedReader out) throws IOException {
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("RESULT ")) {
        return line;
      }
    }
    throw new AssertionError("the app's output ended before a RESULT line");
  }

  @Test
  void fixedRateCountsALateRequestFromWhenItWasDue() throws Exception {
    // One worker, 50 ms per response, 40 requests due per second: each falls further behind, so
    // corrected latencies grow far past the 50 ms a naive measurement would report.
    delayMillis.set(50);
    LoadOptions options = options("okhttp", 1, 1, 40);
    LoadResult result;
    long started = System.nanoTime();
    try (HttpLoadClient c = OutboundLoadApp.open(options)) {
      result = new LoadRun(options, c).run();
    }
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(result.latencies().getTotalCount()).isBetween(5L, 25L);
    assertThat(result.latencies().getValueAtPercentile(90)).isGreaterThan(200_000_000L);
    // Requests still due at the end are dropped, not sent late: the run keeps its length.
    assertThat(tookMillis).isLessThan(3_000);
  }

  @Test
  void settlingAtTheRateSendsRequestsAtThatRateForAWindowAtLeast() throws Exception {
    LoadOptions options = options("okhttp", 4, 1, 200);
    try (HttpLoadClient c = OutboundLoadApp.open(options)) {
      for (int i = 0; i < 100; i++) {
        c.get(); // a cold client's first requests take long enough to fall behind the schedule
      }
      long before = served.get();
      long from = System.nanoTime();
      // A deadline already past: exactly one window of two seconds.
      new LoadRun(options, c).settleAtRate(ManagementFactory.getCompilationMXBean(), from);
      long tookMillis = (System.nanoTime() - from) / 1_000_000;
      // 200 req/s for 2 s is 400 requests due (a closed loop on loopback sends thousands); a
      // request too late for the window is dropped, not sent.
      assertThat(served.get() - before).isBetween(100L, 400L);
      assertThat(tookMillis).isBetween(1_900L, 4_000L);
    }
  }

  @Test
  void nonSuccessStatusesAreErrorsNotLatencies() throws Exception {
    status.set(503);
    LoadOptions options = options("jdk-httpclient", 1, 1, 0);
    LoadResult result;
    try (HttpLoadClient c = OutboundLoadApp.open(options)) {
      // Waits for a first success at most 200 ms here (a minute in the app).
      result = new LoadRun(options, c, 200_000_000L).run();
    }
    assertThat(result.latencies().getTotalCount()).isZero();
    assertThat(result.errors()).isGreaterThan(0);
  }

  @Test
  void badFlagsAreRefusedWithTheUsage() {
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--client", "curl", "--url", "x"}))
        .hasMessageContaining("unknown client curl")
        .hasMessageContaining("usage:");
    assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--client", "okhttp"}))
        .hasMessageContaining("--url");
    assertThat(
            LoadOptions.parse(
                new String[] {
                  "--client",
                  "okhttp",
                  "--url",
                  "http://a:1/",
                  "--connections",
                  "3",
                  "--seconds",
                  "4",
                  "--warmup",
                  "0",
                  "--settle",
                  "30",
                  "--rate",
                  "100",
                  "--hold"
                }))
        .isEqualTo(new LoadOptions("okhttp", URI.create("http://a:1/"), 3, 4, 0, 30, 100, true));
  }

  private LoadOptions options(String client, int connections, int seconds, double rate) {
    return new LoadOptions(client, url, connections, seconds, 0, 0, rate, false);
  }
}
