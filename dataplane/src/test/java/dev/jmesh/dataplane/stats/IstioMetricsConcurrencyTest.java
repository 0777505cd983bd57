package dev.jmesh.dataplane.stats;

import static dev.jmesh.dataplane.stats.IstioMetricsTest.INBOUND;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.outbound;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.scrape;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IstioMetricsConcurrencyTest {

  static final int THREADS = 6;
  static final int PER_THREAD = 50_000;
  static final int[] CODES = {200, 404, 503};

  @Test
  void threadsRecordingTogetherGiveExactTotals() throws Exception {
    IstioMetrics metrics = new IstioMetrics();
    TrafficLabels[] edges = {INBOUND, outbound("v1")};
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      done.add(
          pool.submit(
              () -> {
                RequestRecord record = new RequestRecord(); // one per thread, reused
                start.await();
                for (int i = 0; i < PER_THREAD; i++) {
                  record
                      .reset()
                      .traffic(edges[i & 1])
                      .protocol(RequestProtocol.HTTP)
                      .responseCode(CODES[i % 3])
                      .durationNanos((i % 7) * 1_000_000L)
                      .bytes(i % 3, 10);
                  metrics.record(record);
                  if (i % 1000 < 2) { // a connection on each edge every 1000 requests
                    metrics.tcpOpened(metrics.traffic(edges[i & 1]), 0).closed(3, 4);
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    // What each thread recorded, worked out by the same loop without the metrics.
    long[][] count = new long[2][3];
    long[][] durationSum = new long[2][3];
    long[][] requestBytesSum = new long[2][3];
    for (int i = 0; i < PER_THREAD; i++) {
      count[i & 1][i % 3]++;
      durationSum[i & 1][i % 3] += i % 7;
      requestBytesSum[i & 1][i % 3] += i % 3;
    }
    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    String[] reporters = {"destination", "source"};
    for (int e = 0; e < 2; e++) {
      for (int c = 0; c < 3; c++) {
        String[] labels = {"reporter", reporters[e], "response_code", Integer.toString(CODES[c])};
        assertThat(page.value("istio_requests_total", labels)).isEqualTo(THREADS * count[e][c]);
        assertThat(page.value("istio_request_duration_milliseconds_count", labels))
            .isEqualTo(THREADS * count[e][c]);
        assertThat(page.value("istio_request_duration_milliseconds_sum", labels))
            .isEqualTo(THREADS * durationSum[e][c]);
        assertThat(page.value("istio_request_bytes_sum", labels))
            .isEqualTo(THREADS * requestBytesSum[e][c]);
        assertThat(page.value("istio_response_bytes_sum", labels))
            .isEqualTo(THREADS * count[e][c] * 10);
      }
    }
    assertThat(page.samples("istio_requests_total").stream().mapToDouble(s -> s.value()).sum())
        .isEqualTo(THREADS * PER_THREAD);
    assertThat(
            page.value("istio_tcp_connections_opened_total", "reporter", "destination")
                + page.value("istio_tcp_connections_opened_total", "reporter", "source"))
        .isEqualTo(THREADS * (PER_THREAD / 1000) * 2);
    assertThat(page.value("istio_tcp_sent_bytes_total", "reporter", "destination"))
        .isEqualTo(THREADS * (PER_THREAD / 1000) * 3);
  }

  @Test
  void threadsRacingToCreateTheSameSeriesEndWithOne() throws Exception {
    for (int round = 0; round < 20; round++) {
      IstioMetrics metrics = new IstioMetrics(4);
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int code = 200; code < 206; code++) {
                    metrics.record(IstioMetricsTest.http(INBOUND, code, 1, 0, 0));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();

      dev.jmesh.testing.PrometheusText page = scrape(metrics); // fails on a series written twice
      assertThat(page.samples("istio_requests_total")).hasSize(5);
      assertThat(page.samples("istio_requests_total").stream().mapToDouble(s -> s.value()).sum())
          .isEqualTo(THREADS * 6);
      assertThat(page.value("istio_requests_total", "reporter", "overflow")).isEqualTo(THREADS * 2);
    }
  }
}
