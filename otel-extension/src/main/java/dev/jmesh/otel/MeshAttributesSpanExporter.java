package dev.jmesh.otel;

import dev.jmesh.bootstrap.MeshRequestFacts;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * In front of the configured exporter: each client span gets the facts the mesh's client side kept
 * under it, each server span those its server side kept under the span's remote parent (the
 * caller's span, whose {@code traceparent} the request arrived with). Facts not there yet are
 * waited for until half a second after the span ended (the exporter's thread waits, never the
 * application's). A span the mesh kept nothing for (not meshed, or the mesh not attached) goes on
 * unchanged.
 */
final class MeshAttributesSpanExporter implements SpanExporter {

  /** How long after a span ended its request's facts are waited for. */
  private static final long GRACE_NANOS = 500_000_000L;

  private static final long POLL_MILLIS = 20;

  private final SpanExporter delegate;

  MeshAttributesSpanExporter(SpanExporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    List<SpanData> out = new ArrayList<>(spans.size());
    for (SpanData span : spans) {
      out.add(withMeshFacts(span));
    }
    return delegate.export(out);
  }

  static SpanData withMeshFacts(SpanData span) {
    MeshRequestFacts facts = take(span);
    if (facts == null && expectsFacts(span) && MeshLink.linked()) {
      // The mesh may finish its side just after the application's: the engine relays the response
      // after the handler wrote it. Wait for it a little, here on the exporter's thread.
      long until = span.getEndEpochNanos() + GRACE_NANOS;
      while (facts == null && epochNanos() < until) {
        try {
          Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        facts = take(span);
      }
    }
    return facts == null ? span : new WithAttributes(span, facts);
  }

  private static MeshRequestFacts take(SpanData span) {
    if (span.getKind() == SpanKind.CLIENT) {
      return MeshLink.take(span.getTraceId() + "-" + span.getSpanId(), "source");
    }
    SpanContext parent = span.getParentSpanContext();
    if (span.getKind() == SpanKind.SERVER && parent.isValid() && parent.isRemote()) {
      return MeshLink.take(parent.getTraceId() + "-" + parent.getSpanId(), "destination");
    }
    return null;
  }

  /** Spans of requests the mesh may have seen: a client's, and a server's called from outside. */
  private static boolean expectsFacts(SpanData span) {
    return span.getKind() == SpanKind.CLIENT
        || (span.getKind() == SpanKind.SERVER && span.getParentSpanContext().isRemote());
  }

  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return "MeshAttributesSpanExporter{" + delegate + "}";
  }

  /** A span with the mesh's attributes added. */
  private static final class WithAttributes extends DelegatingSpanData {

    private final Attributes attributes;

    WithAttributes(SpanData span, MeshRequestFacts facts) {
      super(span);
      this.attributes = MeshSpanAttributes.with(span.getAttributes(), facts);
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }

    @Override
    public int getTotalAttributeCount() {
      return super.getTotalAttributeCount() + attributes.size() - super.getAttributes().size();
    }
  }
}
