package dev.jmesh.dataplane.stats;

import static dev.jmesh.dataplane.stats.IstioMetricsTest.INBOUND;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.admin.AdminEndpoints;
import dev.jmesh.dataplane.admin.AdminServer;
import dev.jmesh.dataplane.record.ResponseFlag;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Istio metrics as a scraper sees them on {@code /stats/prometheus}. */
class IstioMetricsScrapeTest {

  /** Writes the page the way the agent's runtime does, plus the one line for Istio metrics. */
  private static final class Page implements AdminEndpoints {
    final ConnectionStats stats = new ConnectionStats();

    @Override
    public String notReadyReason() {
      return null;
    }

    @Override
    public void writeMetrics(StringBuilder out) {
      PrometheusText text = new PrometheusText(out);
      stats.writeTo(text);
      stats.requestMetrics().writeTo(text);
    }

    @Override
    public String configDump() {
      return "{}\n";
    }

    @Override
    public String certs() {
      return "{}\n";
    }

    @Override
    public void quit() {}
  }

  @Test
  void theScrapePortServesIstioMetricsNextToTheAgentCounters() throws Exception {
    Page page = new Page();
    page.stats.bind(9080);
    page.stats.requestMetrics().record(http(INBOUND, 200, 12, 100, 2000));
    page.stats.requestMetrics().record(http(INBOUND, 503, 1, 100, 0).addFlag(ResponseFlag.UF));

    try (AdminServer server =
        AdminServer.start("metrics", InetAddress.getLoopbackAddress(), 0, page, true)) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.port() + "/stats/prometheus"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
      dev.jmesh.testing.PrometheusText scraped = dev.jmesh.testing.PrometheusText.parseStrict(response.body());
      assertThat(scraped.value("jmesh_agent_binds_total", "port", "9080")).isEqualTo(1);
      assertThat(scraped.value("istio_requests_total", "response_code", "200")).isEqualTo(1);
      assertThat(
              scraped.value("istio_requests_total", "response_code", "503", "response_flags", "UF"))
          .isEqualTo(1);
      assertThat(
              scraped.value(
                  "istio_request_duration_milliseconds_bucket", "response_code", "200", "le", "25"))
          .isEqualTo(1);
      assertThat(scraped.value("istio_response_bytes_sum", "response_code", "200")).isEqualTo(2000);
    }
  }
}
