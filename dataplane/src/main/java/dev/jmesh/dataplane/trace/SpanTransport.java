package dev.jmesh.dataplane.trace;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** Sends one export request to a tracing provider; called on the exporter thread only. */
interface SpanTransport {

  void export(SpanTarget target, ExportTraceServiceRequest request) throws ExportFailure;

  /** An export that did not succeed: {@code cause} is a short key, one log line per key. */
  final class ExportFailure extends Exception {
    private final String cause;

    ExportFailure(String cause, String message) {
      super(message);
      this.cause = cause;
    }

    String cause() {
      return cause;
    }
  }
}
