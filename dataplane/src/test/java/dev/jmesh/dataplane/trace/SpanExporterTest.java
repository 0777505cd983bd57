package dev.jmesh.dataplane.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hand-off off the request path, the OTLP encoding, and what a failing endpoint costs. */
class SpanExporterTest {

  private static final SpanTarget TARGET = new SpanTarget(null, null, "127.0.0.1:4317", 1000);
  private static final Tracing TRACING =
      new Tracing(100, TARGET, "", Map.of("istio.namespace", "default"));
  private static final TrafficLabels CLIENT =
      TrafficLabels.builder(Reporter.SOURCE)
          .source(
              WorkloadLabels.builder()
                  .workload("reviews-v2")
                  .namespace("default")
                  .canonicalService("reviews")
                  .build())
          .build();

  private SpanExporter exporter;

  @AfterEach
  void stop() {
    if (exporter != null) {
      exporter.stop();
    }
  }

  private static RequestRecord sampledRecord(int status) {
    RequestRecord r =
        new RequestRecord()
            .traffic(CLIENT)
            .request("GET", "ratings:9080", "/ratings/1")
            .cluster("outbound|9080||ratings.default.svc.cluster.local")
            .requestId("7e1d5e4c-0000-4000-8000-000000000001")
            .responseCode(status)
            .bytes(3, 512)
            .start(1_700_000_000_000L, 0)
            .finish(2_000_000);
    TRACING.startClient(name -> null, null, r, 0x77);
    return r;
  }

  @Test
  void aSampledSpanIsExportedAsOtlpWithTheMeshAttributes() {
    List<ExportTraceServiceRequest> sent = new CopyOnWriteArrayList<>();
    exporter = new SpanExporter(16, (target, request) -> sent.add(request));
    RequestRecord r = sampledRecord(503).addFlag(ResponseFlag.UF);
    assertThat(exporter.offer(TRACING, CLIENT, r)).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 1);
    ResourceSpans rs = sent.get(0).getResourceSpans(0);
    assertThat(rs.getResource().getAttributes(0).getValue().getStringValue())
        .isEqualTo("reviews.default");
    Span span = rs.getScopeSpans(0).getSpans(0);
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(span.getSpanId().toByteArray()).hasSize(8);
    assertThat(span.getParentSpanId().isEmpty()).isTrue();
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1_700_000_000_002_000_000L);
    assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    Map<String, String> attributes = new HashMap<>();
    for (KeyValue kv : span.getAttributesList()) {
      attributes.put(kv.getKey(), kv.getValue().getStringValue());
    }
    assertThat(attributes)
        .containsEntry("istio.namespace", "default")
        .containsEntry("upstream_cluster", "outbound|9080||ratings.default.svc.cluster.local")
        .containsEntry("http.url", "http://ratings:9080/ratings/1")
        .containsEntry("http.method", "GET")
        .containsEntry("http.status_code", "503")
        .containsEntry("response_flags", "UF")
        .containsEntry("request_size", "3")
        .containsEntry("response_size", "512")
        .containsEntry("guid:x-request-id", "7e1d5e4c-0000-4000-8000-000000000001")
        .containsEntry("error", "true");
  }

  @Test
  void aFullQueueDropsAndCountsWithoutWaiting() throws Exception {
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch exporting = new CountDownLatch(1);
    exporter =
        new SpanExporter(
            8,
            (target, request) -> {
              exporting.countDown();
              try {
                stuck.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    RequestRecord r = sampledRecord(200);
    exporter.offer(TRACING, CLIENT, r);
    assertThat(exporting.await(10, TimeUnit.SECONDS)).isTrue();
    long start = System.nanoTime();
    int queued = 0;
    for (int i = 0; i < 100; i++) {
      queued += exporter.offer(TRACING, CLIENT, r) ? 1 : 0;
    }
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(queued).isEqualTo(8);
    assertThat(exporter.dropped()).isEqualTo(92);
    assertThat(tookMillis).as("never waits for the exporter").isLessThan(1_000);
    stuck.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 9);
  }

  @Test
  void aFailingEndpointIsCountedAndTheNextBatchStillGoes() {
    int[] calls = {0};
    exporter =
        new SpanExporter(
            16,
            (target, request) -> {
              if (calls[0]++ == 0) {
                throw new SpanTransport.ExportFailure("UNAVAILABLE", "connection refused");
              }
            });
    exporter.offer(TRACING, CLIENT, sampledRecord(200));
    await().atMost(Duration.ofSeconds(10)).until(() -> exporter.failed() == 1);
    exporter.offer(TRACING, CLIENT, sampledRecord(200));
    await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 1);
  }
}
