package dev.jmesh.dataplane.direct;

import dev.jmesh.bootstrap.MeshTraceContext;
import dev.jmesh.dataplane.trace.TraceHeaders;

/** The trace headers of the inbound request the calling thread serves, read as headers. */
final class CallerTrace implements TraceHeaders.Reader {

  private final MeshTraceContext inbound;

  CallerTrace(MeshTraceContext inbound) {
    this.inbound = inbound;
  }

  @Override
  public CharSequence get(String lowerCaseName) {
    switch (lowerCaseName) {
      case "traceparent":
        return inbound.traceparent();
      case "b3":
        return inbound.b3();
      case "x-b3-traceid":
        return inbound.b3TraceId();
      case "x-b3-spanid":
        return inbound.b3SpanId();
      case "x-b3-sampled":
        return inbound.b3Sampled();
      default:
        return null;
    }
  }
}
