package dev.jmesh.dataplane.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** OTLP/HTTP: a protobuf POST to the target's path; anything but a 2xx is a counted failure. */
class HttpSpanTransportTest {

  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private volatile int answer = 200;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/traces",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            ExportTraceServiceRequest r = ExportTraceServiceRequest.parseFrom(in);
            seen.add(
                exchange.getRequestHeaders().getFirst("content-type")
                    + " "
                    + exchange.getRequestHeaders().getFirst("host")
                    + " "
                    + r.getResourceSpansCount());
            exchange.sendResponseHeaders(answer, -1);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private SpanTarget target(String path) {
    return new SpanTarget(
        null, "otel.observability", "127.0.0.1:" + server.getAddress().getPort(), 5000, path);
  }

  private static ExportTraceServiceRequest request() {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.getDefaultInstance())
        .build();
  }

  @Test
  void postsTheRequestAsProtobuf() throws Exception {
    HttpSpanTransport http = new HttpSpanTransport(SpanTarget::target);
    http.export(target("/v1/traces"), request());
    assertThat(seen).containsExactly("application/x-protobuf otel.observability 1");
  }

  @Test
  void aRefusalOrAnUnreachableEndpointIsAnExportFailure() throws Exception {
    HttpSpanTransport http = new HttpSpanTransport(SpanTarget::target);
    answer = 503;
    assertThatThrownBy(() -> http.export(target("/v1/traces"), request()))
        .isInstanceOf(SpanTransport.ExportFailure.class)
        .hasMessageContaining("answered 503");
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    SpanTarget nowhere = new SpanTarget(null, null, "127.0.0.1:" + closed, 2000, "/v1/traces");
    assertThatThrownBy(() -> http.export(nowhere, request()))
        .isInstanceOf(SpanTransport.ExportFailure.class)
        .hasMessageContaining("failed");
  }
}
