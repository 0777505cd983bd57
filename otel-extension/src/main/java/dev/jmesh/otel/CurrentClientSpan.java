package dev.jmesh.otel;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.ReadableSpan;

/**
 * The key ({@code <trace-id>-<span-id>}) of the agent's client span current on this thread: the
 * mesh asks when an application thread starts a call the mesh sends itself, and keeps the call's
 * facts under it.
 */
final class CurrentClientSpan {

  private CurrentClientSpan() {}

  static String key() {
    Span span = Span.current();
    if (!(span instanceof ReadableSpan) || ((ReadableSpan) span).getKind() != SpanKind.CLIENT) {
      return null;
    }
    SpanContext c = span.getSpanContext();
    return c.isValid() ? c.getTraceId() + "-" + c.getSpanId() : null;
  }
}
