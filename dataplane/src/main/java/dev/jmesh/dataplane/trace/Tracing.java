package dev.jmesh.dataplane.trace;

import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import java.util.Map;

/**
 * The tracing of one HTTP connection manager, compiled from its Envoy {@code tracing}: the random
 * sampling percentage for requests that carry no decision, where sampled spans go ({@code null}:
 * nowhere, Istio's {@code disableSpanReporting}), the {@code service.name} they report under and
 * the literal tags istiod adds ({@code istio.canonical_service}, {@code istio.namespace}...).
 *
 * <p>On the request path, {@link #startServer} and {@link #startClient} give the request its span
 * in its {@link RequestRecord} (and say whether its headers must carry it on); {@link #report}
 * hands a finished, sampled span to the {@link SpanExporter}. A request that is not sampled costs
 * neither allocation nor lock.
 *
 * @param samplingPercent 0 to 100
 * @param target the OTLP endpoint, {@code null} when spans are not reported
 * @param serviceName the resource's {@code service.name}
 * @param tags attributes every span gets, in order
 */
public record Tracing(
    double samplingPercent, SpanTarget target, String serviceName, Map<String, String> tags) {

  public Tracing {
    tags = Map.copyOf(tags);
  }

  /**
   * An inbound request, as the server-side proxy sees it: its span continues the caller's trace
   * from {@code headers} (or starts one), with a new span id. Returns whether {@code headers} must
   * be rewritten ({@link TraceHeaders#inject}) before the application sees them, so the
   * application's own calls have this span as their parent.
   */
  public boolean startServer(TraceHeaders.Reader headers, RequestRecord record, long random) {
    return start(headers, record, random);
  }

  /**
   * An outbound request: its span continues the trace of the application's headers, else of {@code
   * caller} (the inbound request the calling thread serves, {@code null} when unknown), or starts
   * one, with a new span id that goes out as the parent. Returns whether {@code headers} must be
   * rewritten ({@link TraceHeaders#inject}).
   */
  public boolean startClient(
      TraceHeaders.Reader headers, TraceHeaders.Reader caller, RequestRecord record, long random) {
    boolean found =
        TraceHeaders.extract(headers, record)
            || (caller != null && TraceHeaders.extract(caller, record));
    return begin(found, record, random);
  }

  private boolean start(TraceHeaders.Reader headers, RequestRecord record, long random) {
    boolean found = TraceHeaders.extract(headers, record);
    return begin(found, record, random);
  }

  /**
   * Gives {@code record}, whose caller context {@link TraceHeaders#extract} has read, its span: the
   * sampling decision (the caller's, else random) and a span id ({@code random}, never 0), and a
   * new trace id when the caller had none.
   */
  boolean begin(boolean found, RequestRecord record, long random) {
    int flags = record.traceFlags();
    long high = record.traceIdHigh();
    long low = record.traceIdLow();
    long mixed = mix(random);
    if (!found) {
      high = TraceIds.nonZero(mixed);
      low = TraceIds.nonZero(mix(mixed));
      flags |= TraceHeaders.NEW_TRACE;
    }
    if ((flags & TraceHeaders.DECIDED) == 0 && sampled(random)) {
      flags |= TraceHeaders.SAMPLED;
    }
    record.span(
        this, high, low, TraceIds.nonZero(random), found ? record.parentSpanId() : 0, flags);
    return TraceHeaders.mustInject(flags);
  }

  /** Whether a request without a decision is sampled: {@code random}'s top 53 bits as [0, 1). */
  boolean sampled(long random) {
    if (samplingPercent >= 100) {
      return true;
    }
    return samplingPercent > 0 && (random >>> 11) * 0x1.0p-53 * 100 < samplingPercent;
  }

  /**
   * A finished request: its span goes to the exporter when it is sampled and spans are reported.
   * Called once per request, on the request path; never blocks.
   */
  public void report(TrafficLabels labels, RequestRecord record) {
    if ((record.traceFlags() & TraceHeaders.SAMPLED) == 0 || target == null) {
      return;
    }
    SpanExporter.shared().offer(this, labels, record);
  }

  /** SplitMix64's finaliser: trace ids from the span's random, without a second draw. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
