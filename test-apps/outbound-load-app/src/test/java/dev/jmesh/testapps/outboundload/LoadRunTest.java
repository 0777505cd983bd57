package dev.jmesh.testapps.outboundload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadRunTest {

  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicLong delayMillis = new AtomicLong();
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
