package dev.jmesh.testsuite.engine;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test OTLP/gRPC receiver (no OpenTelemetry Collector here): serves {@code
 * opentelemetry.proto.collector.trace.v1.TraceService/Export} on a loopback ephemeral port and
 * keeps every span it decodes, with its resource's {@code service.name}.
 */
final class OtlpTestReceiver implements AutoCloseable {

  /** One received span, its ids in hex and its string attributes. */
  record ReceivedSpan(
      String transport,
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      Span.SpanKind kind,
      int statusCode,
      long startNanos,
      long endNanos,
      Map<String, String> attributes) {

    String attribute(String key) {
      return attributes.get(key);
    }
  }

  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final Server server;
  private final HttpServer http;

  OtlpTestReceiver() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new TraceService())
            .build()
            .start();
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/v1/traces",
        exchange -> {
          try (exchange) {
            ExportTraceServiceRequest request;
            try (InputStream in = exchange.getRequestBody()) {
              request = ExportTraceServiceRequest.parseFrom(in);
            }
            boolean protobuf =
                "application/x-protobuf"
                    .equals(exchange.getRequestHeaders().getFirst("content-type"));
            collect(protobuf ? "http" : "http-wrong-content-type", request);
            byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("content-type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
            exchange.getResponseBody().write(ok);
          }
        });
    http.start();
  }

  /** The OTLP/gRPC port. */
  int port() {
    return server.getPort();
  }

  /** The OTLP/HTTP port ({@code /v1/traces}). */
  int httpPort() {
    return http.getAddress().getPort();
  }

  List<ReceivedSpan> spans() {
    return new ArrayList<>(spans);
  }

  /** The spans whose {@code guid:x-request-id} is {@code requestId}. */
  List<ReceivedSpan> spansOfRequest(String requestId) {
    return spans.stream().filter(s -> requestId.equals(s.attribute("guid:x-request-id"))).toList();
  }

  List<ReceivedSpan> spansOfTrace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
  }

  private final class TraceService extends TraceServiceGrpc.TraceServiceImplBase {
    @Override
    public void export(
        ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
      collect("grpc", request);
      response.onNext(ExportTraceServiceResponse.getDefaultInstance());
      response.onCompleted();
    }
  }

  private void collect(String transport, ExportTraceServiceRequest request) {
    for (ResourceSpans rs : request.getResourceSpansList()) {
      String service = "";
      for (KeyValue kv : rs.getResource().getAttributesList()) {
        if (kv.getKey().equals("service.name")) {
          service = kv.getValue().getStringValue();
        }
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          Map<String, String> attributes = new TreeMap<>();
          s.getAttributesList()
              .forEach(kv -> attributes.put(kv.getKey(), kv.getValue().getStringValue()));
          spans.add(
              new ReceivedSpan(
                  transport,
                  service,
                  hex(s.getTraceId().toByteArray()),
                  hex(s.getSpanId().toByteArray()),
                  hex(s.getParentSpanId().toByteArray()),
                  s.getName(),
                  s.getKind(),
                  s.getStatus().getCodeValue(),
                  s.getStartTimeUnixNano(),
                  s.getEndTimeUnixNano(),
                  attributes));
        }
      }
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public void close() {
    http.stop(0);
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
