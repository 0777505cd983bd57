package dev.jmesh.dataplane.stats;

import static dev.jmesh.dataplane.stats.IstioMetricsTest.INBOUND;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.http;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.outbound;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.scrape;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IstioMetricsOverflowTest {

  @Test
  void pastTheCapNewLabelSetsCountInOneOverflowSeries() {
    IstioMetrics metrics = new IstioMetrics(2);
    TrafficSeries edge = metrics.traffic(INBOUND);
    metrics.record(edge, http(null, 200, 1, 0, 0));
    metrics.record(edge, http(null, 404, 1, 0, 0));
    metrics.record(edge, http(null, 500, 1, 0, 0));
    metrics.record(edge, http(null, 503, 1, 0, 0));
    metrics.record(edge, http(null, 200, 1, 0, 0));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.samples("istio_requests_total")).hasSize(3);
    assertThat(page.value("istio_requests_total", "response_code", "200")).isEqualTo(2);
    assertThat(page.value("istio_requests_total", "response_code", "404")).isEqualTo(1);
    assertThat(page.value("istio_requests_total", "response_code", "overflow")).isEqualTo(2);
    assertThat(page.value("istio_request_duration_milliseconds_count", "response_code", "overflow"))
        .isEqualTo(2);
    assertThat(page.value("jmesh_istio_overflow_records_total", "family", "request")).isEqualTo(2);
    assertThat(metrics.requestOverflowRecords()).isEqualTo(2);
  }

  @Test
  void everyLabelOfTheOverflowSeriesSaysOverflow() {
    IstioMetrics metrics = new IstioMetrics(1);
    metrics.record(http(INBOUND, 200, 1, 0, 0));
    metrics.record(http(INBOUND, 500, 1, 0, 0));

    Map<String, String> labels =
        scrape(metrics).sample("istio_requests_total", "reporter", "overflow").labels();
    assertThat(labels).hasSize(25);
    assertThat(labels.values()).containsOnly("overflow");
  }

  @Test
  void newTrafficEdgesPastTheCapOverflowToo() {
    IstioMetrics metrics = new IstioMetrics(1);
    metrics.record(http(outbound("v1"), 200, 1, 0, 0));
    metrics.record(http(outbound("v2"), 200, 1, 0, 0));
    metrics.record(http(outbound("v3"), 200, 1, 0, 0));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.value("istio_requests_total", "destination_version", "v1")).isEqualTo(1);
    assertThat(page.value("istio_requests_total", "destination_version", "overflow")).isEqualTo(2);
  }

  @Test
  void tcpSeriesHaveTheirOwnCapAndOverflow() {
    IstioMetrics metrics = new IstioMetrics(1);
    metrics.record(new RequestRecord().traffic(INBOUND).protocol(RequestProtocol.TCP).bytes(1, 2));
    metrics.record(
        new RequestRecord()
            .traffic(INBOUND)
            .protocol(RequestProtocol.TCP)
            .responseFlags(1)
            .bytes(10, 20));
    metrics.record(http(INBOUND, 200, 1, 0, 0));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    Map<String, String> overflow =
        page.sample("istio_tcp_sent_bytes_total", "reporter", "overflow").labels();
    assertThat(overflow).hasSize(23);
    assertThat(overflow.values()).containsOnly("overflow");
    assertThat(page.value("istio_tcp_sent_bytes_total", "reporter", "overflow")).isEqualTo(20);
    assertThat(page.value("istio_tcp_connections_opened_total", "reporter", "overflow"))
        .isEqualTo(1);
    assertThat(page.value("jmesh_istio_overflow_records_total", "family", "tcp")).isEqualTo(1);
    // The request family is not full: its first series is a real one.
    assertThat(page.value("istio_requests_total", "response_code", "200")).isEqualTo(1);
  }

  @Test
  void theOverflowSeriesIsAbsentUntilSomethingOverflows() {
    IstioMetrics metrics = new IstioMetrics(5);
    metrics.record(http(INBOUND, 200, 1, 0, 0));
    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.samples("istio_requests_total", "reporter", "overflow")).isEmpty();
    assertThat(page.value("jmesh_istio_overflow_records_total", "family", "request")).isZero();
  }

  @Test
  void theStartOfOverflowIsLoggedOnce() {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      IstioMetrics metrics = new IstioMetrics(1);
      for (int code = 200; code < 210; code++) {
        metrics.record(http(INBOUND, code, 1, 0, 0));
      }
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log.split("Istio request metrics reached 1 label sets", -1)).hasSize(2);
    assertThat(log).contains("labelled \"overflow\"");
  }
}
