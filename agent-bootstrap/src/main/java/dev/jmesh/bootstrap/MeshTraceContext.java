package dev.jmesh.bootstrap;

/**
 * The trace headers of the inbound request a thread is serving, as the server received them
 * (W3C {@code traceparent}/{@code tracestate}, B3 single and multi-header, {@code x-request-id}).
 * A thread-per-request server's hook sets it for the duration of the handler ({@link
 * MeshHooks#enterInbound}), and the direct paths continue the trace on the outbound calls the
 * handler makes, so the application does not have to forward the headers itself. Immutable.
 */
public final class MeshTraceContext {

  private final String traceparent;
  private final String tracestate;
  private final String b3;
  private final String b3TraceId;
  private final String b3SpanId;
  private final String b3Sampled;
  private final String requestId;

  MeshTraceContext(
      String traceparent,
      String tracestate,
      String b3,
      String b3TraceId,
      String b3SpanId,
      String b3Sampled,
      String requestId) {
    this.traceparent = traceparent;
    this.tracestate = tracestate;
    this.b3 = b3;
    this.b3TraceId = b3TraceId;
    this.b3SpanId = b3SpanId;
    this.b3Sampled = b3Sampled;
    this.requestId = requestId;
  }

  /** W3C {@code traceparent}, or {@code null}. */
  public String traceparent() {
    return traceparent;
  }

  public String tracestate() {
    return tracestate;
  }

  /** B3 single-header {@code b3}, or {@code null}. */
  public String b3() {
    return b3;
  }

  public String b3TraceId() {
    return b3TraceId;
  }

  public String b3SpanId() {
    return b3SpanId;
  }

  public String b3Sampled() {
    return b3Sampled;
  }

  public String requestId() {
    return requestId;
  }
}
