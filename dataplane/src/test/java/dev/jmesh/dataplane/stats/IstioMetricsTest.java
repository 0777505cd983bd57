package dev.jmesh.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.record.ResponseFlags;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IstioMetricsTest {

  static final TrafficLabels INBOUND =
      TrafficLabels.builder(Reporter.DESTINATION)
          .source(
              WorkloadLabels.builder()
                  .workload("productpage-v1")
                  .namespace("bookinfo")
                  .principal("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage")
                  .app("productpage")
                  .version("v1")
                  .canonicalService("productpage")
                  .canonicalRevision("v1")
                  .cluster("Kubernetes")
                  .build())
          .destination(
              WorkloadLabels.builder()
                  .workload("reviews-v2")
                  .namespace("default")
                  .principal("spiffe://cluster.local/ns/default/sa/bookinfo-reviews")
                  .app("reviews")
                  .version("v2")
                  .canonicalService("reviews")
                  .canonicalRevision("v2")
                  .cluster("east")
                  .build())
          .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
          .securityPolicy(ConnectionSecurityPolicy.MUTUAL_TLS)
          .build();

  static TrafficLabels outbound(String destinationVersion) {
    return TrafficLabels.builder(Reporter.SOURCE)
        .source(WorkloadLabels.builder().workload("productpage-v1").namespace("bookinfo").build())
        .destination(
            WorkloadLabels.builder()
                .workload("reviews-" + destinationVersion)
                .version(destinationVersion)
                .build())
        .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
        .build();
  }

  static RequestRecord http(TrafficLabels traffic, int code, long millis, long in, long out) {
    return new RequestRecord()
        .traffic(traffic)
        .protocol(RequestProtocol.HTTP)
        .responseCode(code)
        .durationNanos(millis * 1_000_000L)
        .bytes(in, out);
  }

  static dev.jmesh.testing.PrometheusText scrape(IstioMetrics metrics) {
    StringBuilder out = new StringBuilder();
    metrics.writeTo(new PrometheusText(out));
    return dev.jmesh.testing.PrometheusText.parseStrict(out.toString());
  }

  @Test
  void aRequestCarriesEveryIstioLabel() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(INBOUND, 200, 12, 100, 2000));

    Map<String, String> labels = scrape(metrics).sample("istio_requests_total").labels();

    assertThat(labels)
        .containsOnly(
            entry("reporter", "destination"),
            entry("source_workload", "productpage-v1"),
            entry("source_workload_namespace", "bookinfo"),
            entry("source_principal", "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage"),
            entry("source_app", "productpage"),
            entry("source_version", "v1"),
            entry("source_canonical_service", "productpage"),
            entry("source_canonical_revision", "v1"),
            entry("source_cluster", "Kubernetes"),
            entry("destination_workload", "reviews-v2"),
            entry("destination_workload_namespace", "default"),
            entry("destination_principal", "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"),
            entry("destination_app", "reviews"),
            entry("destination_version", "v2"),
            entry("destination_service", "reviews.default.svc.cluster.local"),
            entry("destination_service_name", "reviews"),
            entry("destination_service_namespace", "default"),
            entry("destination_canonical_service", "reviews"),
            entry("destination_canonical_revision", "v2"),
            entry("destination_cluster", "east"),
            entry("request_protocol", "http"),
            entry("response_code", "200"),
            entry("grpc_response_status", ""),
            entry("response_flags", "-"),
            entry("connection_security_policy", "mutual_tls"));
  }

  @Test
  void theHistogramsCarryTheSameLabelsAsTheCounterPlusLe() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(INBOUND, 200, 12, 100, 2000));
    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    Map<String, String> counter = page.sample("istio_requests_total").labels();

    for (String histogram :
        new String[] {
          "istio_request_duration_milliseconds", "istio_request_bytes", "istio_response_bytes"
        }) {
      assertThat(page.sample(histogram + "_count").labels()).isEqualTo(counter);
      assertThat(page.sample(histogram + "_sum").labels()).isEqualTo(counter);
      assertThat(page.samples(histogram + "_bucket"))
          .hasSize(20)
          .allSatisfy(
              bucket -> {
                assertThat(bucket.labels()).containsKey("le").hasSize(counter.size() + 1);
                assertThat(bucket.labels()).containsAllEntriesOf(counter);
              });
    }
  }

  @Test
  void grpcRequestsSayGrpcAndTheirStatus() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(INBOUND, 200, 3, 10, 10).protocol(RequestProtocol.GRPC).grpcStatus(0));
    metrics.record(http(INBOUND, 200, 3, 10, 10).protocol(RequestProtocol.GRPC).grpcStatus(14));
    metrics.record(http(INBOUND, 200, 3, 10, 10).protocol(RequestProtocol.GRPC));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(
            page.value(
                "istio_requests_total", "request_protocol", "grpc", "grpc_response_status", "0"))
        .isEqualTo(1);
    assertThat(
            page.value(
                "istio_requests_total", "request_protocol", "grpc", "grpc_response_status", "14"))
        .isEqualTo(1);
    assertThat(
            page.value(
                "istio_requests_total", "request_protocol", "grpc", "grpc_response_status", ""))
        .isEqualTo(1);
  }

  @Test
  void responseFlagsAreRenderedAsEnvoyPrintsThem() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(INBOUND, 504, 3, 10, 0).addFlag(ResponseFlag.URX).addFlag(ResponseFlag.UT));
    metrics.record(http(INBOUND, 503, 3, 10, 0).addFlag(ResponseFlag.UH));
    metrics.record(http(INBOUND, 404, 1, 10, 0).addFlag(ResponseFlag.NR));
    metrics.record(http(INBOUND, 200, 1, 10, 0).responseFlags(ResponseFlag.DO.bit()));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.value("istio_requests_total", "response_code", "504")).isEqualTo(1);
    assertThat(page.sample("istio_requests_total", "response_code", "504").labels())
        .containsEntry("response_flags", "UT,URX");
    assertThat(page.sample("istio_requests_total", "response_code", "503").labels())
        .containsEntry("response_flags", "UH");
    assertThat(page.sample("istio_requests_total", "response_code", "404").labels())
        .containsEntry("response_flags", "NR");
    assertThat(page.sample("istio_requests_total", "response_code", "200").labels())
        .containsEntry("response_flags", "DO");
  }

  @Test
  void eachResponseCodeProtocolStatusAndFlagSetIsItsOwnSeries() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(INBOUND, 200, 1, 0, 0));
    metrics.record(http(INBOUND, 200, 1, 0, 0));
    metrics.record(http(INBOUND, 0, 1, 0, 0).addFlag(ResponseFlag.DC));
    metrics.record(http(INBOUND, 200, 1, 0, 0).protocol(RequestProtocol.GRPC).grpcStatus(0));
    metrics.record(http(INBOUND, 200, 1, 0, 0).addFlag(ResponseFlag.DI));
    metrics.record(http(INBOUND, 503, 1, 0, 0).addFlag(ResponseFlag.UF));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.samples("istio_requests_total")).hasSize(5);
    assertThat(
            page.value(
                "istio_requests_total",
                "response_code",
                "200",
                "request_protocol",
                "http",
                "response_flags",
                "-"))
        .isEqualTo(2);
    assertThat(page.value("istio_requests_total", "response_code", "0", "response_flags", "DC"))
        .isEqualTo(1);
    assertThat(page.value("istio_requests_total", "response_code", "200", "response_flags", "DI"))
        .isEqualTo(1);
  }

  @Test
  void equalTrafficLabelsShareTheirSeriesAndDifferentOnesDoNot() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(outbound("v1"), 200, 1, 0, 0));
    metrics.record(http(outbound("v1"), 200, 1, 0, 0));
    metrics.record(http(outbound("v2"), 200, 1, 0, 0));

    assertThat(metrics.traffic(outbound("v1"))).isSameAs(metrics.traffic(outbound("v1")));
    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.value("istio_requests_total", "destination_version", "v1")).isEqualTo(2);
    assertThat(page.value("istio_requests_total", "destination_version", "v2")).isEqualTo(1);
    assertThat(page.sample("istio_requests_total", "destination_version", "v1").labels())
        .containsEntry("reporter", "source")
        .containsEntry("connection_security_policy", "unknown")
        .containsEntry("source_principal", "unknown")
        .containsEntry("destination_canonical_revision", "latest");
  }

  @Test
  void aCachedTrafficHandleRecordsIntoTheSameSeries() {
    IstioMetrics metrics = new IstioMetrics();
    TrafficSeries edge = metrics.traffic(INBOUND);
    metrics.record(edge, http(null, 200, 1, 0, 0));
    metrics.record(http(INBOUND, 200, 1, 0, 0));

    assertThat(edge.labels()).isEqualTo(INBOUND);
    assertThat(scrape(metrics).value("istio_requests_total")).isEqualTo(2);
  }

  @Test
  void aRecordWithoutTrafficLabelsIsNotCounted() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(null, 200, 1, 0, 0));
    assertThat(scrape(metrics).samples("istio_requests_total")).isEmpty();
  }

  @Test
  void durationBucketsAreIstiosAndLeIsInclusive() {
    IstioMetrics metrics = new IstioMetrics();
    TrafficSeries edge = metrics.traffic(INBOUND);
    // 0.9 ms is 0 whole milliseconds, as Envoy records it: the 0.5 bucket.
    metrics.record(edge, http(null, 200, 0, 0, 0).durationNanos(900_000L));
    metrics.record(edge, http(null, 200, 1, 0, 0)); // exactly on the 1 bound
    metrics.record(edge, http(null, 200, 5, 0, 0)); // exactly on the 5 bound
    metrics.record(edge, http(null, 200, 6, 0, 0)); // just past it: the 10 bucket
    metrics.record(edge, http(null, 200, 3_600_000, 0, 0));
    metrics.record(edge, http(null, 200, 3_600_001, 0, 0)); // only +Inf

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    String name = "istio_request_duration_milliseconds_bucket";
    assertThat(page.samples(name))
        .extracting(s -> s.labels().get("le"))
        .containsExactly(
            "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
            "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf");
    assertThat(page.value(name, "le", "0.5")).isEqualTo(1);
    assertThat(page.value(name, "le", "1")).isEqualTo(2);
    assertThat(page.value(name, "le", "5")).isEqualTo(3);
    assertThat(page.value(name, "le", "10")).isEqualTo(4);
    assertThat(page.value(name, "le", "1800000")).isEqualTo(4);
    assertThat(page.value(name, "le", "3600000")).isEqualTo(5);
    assertThat(page.value(name, "le", "+Inf")).isEqualTo(6);
    assertThat(page.value("istio_request_duration_milliseconds_count")).isEqualTo(6);
    assertThat(page.value("istio_request_duration_milliseconds_sum"))
        .isEqualTo(0 + 1 + 5 + 6 + 3_600_000 + 3_600_001);
  }

  @Test
  void requestAndResponseSizesUseTheSameBucketsOnTheRightSide() {
    IstioMetrics metrics = new IstioMetrics();
    TrafficSeries edge = metrics.traffic(INBOUND);
    metrics.record(edge, http(null, 200, 1, 0, 1));
    metrics.record(edge, http(null, 200, 1, 1, 1000));
    metrics.record(edge, http(null, 200, 1, 1000, 1001));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.value("istio_request_bytes_bucket", "le", "0.5")).isEqualTo(1);
    assertThat(page.value("istio_request_bytes_bucket", "le", "1")).isEqualTo(2);
    assertThat(page.value("istio_request_bytes_bucket", "le", "500")).isEqualTo(2);
    assertThat(page.value("istio_request_bytes_bucket", "le", "1000")).isEqualTo(3);
    assertThat(page.value("istio_request_bytes_sum")).isEqualTo(1001);
    assertThat(page.value("istio_response_bytes_bucket", "le", "0.5")).isZero();
    assertThat(page.value("istio_response_bytes_bucket", "le", "1")).isEqualTo(1);
    assertThat(page.value("istio_response_bytes_bucket", "le", "1000")).isEqualTo(2);
    assertThat(page.value("istio_response_bytes_bucket", "le", "2500")).isEqualTo(3);
    assertThat(page.value("istio_response_bytes_sum")).isEqualTo(2002);
    assertThat(page.value("istio_response_bytes_count")).isEqualTo(3);
  }

  @Test
  void tcpConnectionsCountOpenBytesAndCloseWithIstiosTcpLabels() {
    IstioMetrics metrics = new IstioMetrics();
    TcpSeries connection = metrics.tcpOpened(metrics.traffic(INBOUND), 0);
    connection.addBytes(100, 40);
    dev.jmesh.testing.PrometheusText whileOpen = scrape(metrics);
    assertThat(whileOpen.value("istio_tcp_connections_opened_total")).isEqualTo(1);
    assertThat(whileOpen.value("istio_tcp_connections_closed_total")).isZero();
    assertThat(whileOpen.value("istio_tcp_sent_bytes_total")).isEqualTo(100);

    connection.closed(5, 2);
    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.value("istio_tcp_connections_closed_total")).isEqualTo(1);
    assertThat(page.value("istio_tcp_sent_bytes_total")).isEqualTo(105);
    assertThat(page.value("istio_tcp_received_bytes_total")).isEqualTo(42);
    Map<String, String> labels = page.sample("istio_tcp_sent_bytes_total").labels();
    assertThat(labels)
        .containsEntry("request_protocol", "tcp")
        .containsEntry("response_flags", "-")
        .containsEntry("connection_security_policy", "mutual_tls")
        .containsEntry("destination_service", "reviews.default.svc.cluster.local")
        .doesNotContainKeys("response_code", "grpc_response_status")
        .hasSize(23);
    for (String metric :
        new String[] {
          "istio_tcp_received_bytes_total",
          "istio_tcp_connections_opened_total",
          "istio_tcp_connections_closed_total"
        }) {
      assertThat(page.sample(metric).labels()).isEqualTo(labels);
    }
    assertThat(page.samples("istio_requests_total")).isEmpty();
  }

  @Test
  void aTcpRecordReportsItsWholeConnection() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(
        new RequestRecord().traffic(INBOUND).protocol(RequestProtocol.TCP).bytes(300, 700));
    metrics.record(
        new RequestRecord()
            .traffic(INBOUND)
            .protocol(RequestProtocol.TCP)
            .addFlag(ResponseFlag.UF));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.value("istio_tcp_connections_opened_total", "response_flags", "-"))
        .isEqualTo(1);
    assertThat(page.value("istio_tcp_connections_closed_total", "response_flags", "-"))
        .isEqualTo(1);
    assertThat(page.value("istio_tcp_received_bytes_total", "response_flags", "-")).isEqualTo(300);
    assertThat(page.value("istio_tcp_sent_bytes_total", "response_flags", "-")).isEqualTo(700);
    assertThat(page.value("istio_tcp_connections_opened_total", "response_flags", "UF"))
        .isEqualTo(1);
    assertThat(page.samples("istio_requests_total")).isEmpty();
  }

  @Test
  void labelValuesAreEscaped() {
    IstioMetrics metrics = new IstioMetrics();
    TrafficLabels odd =
        TrafficLabels.builder(Reporter.SOURCE)
            .source(WorkloadLabels.builder().workload("a\"b\\c\nd").build())
            .build();
    metrics.record(http(odd, 200, 1, 0, 0));

    StringBuilder out = new StringBuilder();
    metrics.writeTo(new PrometheusText(out));
    assertThat(out.toString()).contains("source_workload=\"a\\\"b\\\\c\\nd\"");
    assertThat(
            dev.jmesh.testing.PrometheusText.parseStrict(out.toString())
                .value("istio_requests_total", "source_workload", "a\"b\\c\nd"))
        .isEqualTo(1);
  }

  @Test
  void everyMetricIsDeclaredEvenBeforeTraffic() {
    StringBuilder out = new StringBuilder();
    new IstioMetrics().writeTo(new PrometheusText(out));
    String text = out.toString();
    for (String declaration :
        new String[] {
          "# TYPE istio_requests_total counter",
          "# TYPE istio_request_duration_milliseconds histogram",
          "# TYPE istio_request_bytes histogram",
          "# TYPE istio_response_bytes histogram",
          "# TYPE istio_tcp_sent_bytes_total counter",
          "# TYPE istio_tcp_received_bytes_total counter",
          "# TYPE istio_tcp_connections_opened_total counter",
          "# TYPE istio_tcp_connections_closed_total counter",
          "# TYPE jmesh_istio_overflow_records_total counter",
          "# TYPE jmesh_access_log_lines_total counter"
        }) {
      assertThat(text).contains(declaration + "\n");
    }
    dev.jmesh.testing.PrometheusText.parseStrict(text);
  }

  @Test
  void aFullPageParsesNextToTheExistingAgentCounters() {
    ConnectionStats connections = new ConnectionStats();
    connections.outbound("10.0.0.2:9080");
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(INBOUND, 200, 7, 10, 20));
    metrics.record(http(outbound("v3"), 503, 70, 0, 19).addFlag(ResponseFlag.UO));
    metrics.tcpOpened(metrics.traffic(INBOUND), ResponseFlags.of(ResponseFlag.UC)).closed(1, 2);

    StringBuilder out = new StringBuilder();
    PrometheusText text = new PrometheusText(out);
    connections.writeTo(text);
    metrics.writeTo(text);

    dev.jmesh.testing.PrometheusText page = dev.jmesh.testing.PrometheusText.parseStrict(out.toString());
    assertThat(page.value("jmesh_agent_connections_total", "destination", "10.0.0.2:9080"))
        .isEqualTo(1);
    assertThat(page.value("istio_requests_total", "response_code", "503")).isEqualTo(1);
    assertThat(page.value("istio_tcp_connections_closed_total", "response_flags", "UC"))
        .isEqualTo(1);
  }

  @Test
  void recordingIntoSeriesSeenBeforeAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    IstioMetrics metrics = new IstioMetrics();
    TrafficSeries edge = metrics.traffic(INBOUND);
    RequestRecord record = http(INBOUND, 200, 3, 10, 100);
    int[] codes = {200, 201, 404, 503};
    for (int i = 0; i < 200_000; i++) {
      metrics.record(edge, record.responseCode(codes[i & 3]));
      metrics.record(record.responseCode(codes[i & 3]));
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100_000; i++) {
      metrics.record(edge, record.responseCode(codes[i & 3]));
      metrics.record(record.responseCode(codes[i & 3]));
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    // One 16-byte object per record would be 3,200,000 bytes; what remains is the JIT's and the
    // measurement's own, a few kilobytes at most.
    assertThat(allocated).isLessThan(64 * 1024);
    assertThat(scrape(metrics).value("istio_requests_total", "response_code", "503"))
        .isEqualTo(150_000);
  }

  @Test
  void codesNoHttpServerSendsReadZeroAndStatusesPastTheKeysRangeReadUnknown() {
    IstioMetrics metrics = new IstioMetrics();
    metrics.record(http(INBOUND, 1500, 1, 0, 0));
    metrics.record(http(INBOUND, -3, 1, 0, 0));
    metrics.record(http(INBOUND, 200, 1, 0, 0).protocol(RequestProtocol.GRPC).grpcStatus(99));
    metrics.record(http(INBOUND, 200, 1, 0, 0).protocol(RequestProtocol.GRPC).grpcStatus(16));

    dev.jmesh.testing.PrometheusText page = scrape(metrics);
    assertThat(page.value("istio_requests_total", "response_code", "0")).isEqualTo(2);
    assertThat(page.value("istio_requests_total", "grpc_response_status", "2")).isEqualTo(1);
    assertThat(page.value("istio_requests_total", "grpc_response_status", "16")).isEqualTo(1);
  }
}
