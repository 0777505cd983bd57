package dev.jmesh.otel;

import dev.jmesh.bootstrap.MeshRequestFacts;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * In front of the configured exporter: each client span gets the facts the mesh's client side kept
 * under it, each server span those its server side kept under the span's remote parent (the
 * caller's span, whose {@code traceparent} the request arrived with). A span the mesh kept nothing
 * for (not meshed, or the mesh not attached) goes on unchanged.
 */
final class MeshAttributesSpanExporter implements SpanExporter {

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
    MeshRequestFacts facts = null;
    if (span.getKind() == SpanKind.CLIENT) {
      facts = MeshLink.take(span.getTraceId() + "-" + span.getSpanId(), "source");
    } else if (span.getKind() == SpanKind.SERVER) {
      SpanContext parent = span.getParentSpanContext();
      if (parent.isValid() && parent.isRemote()) {
        facts = MeshLink.take(parent.getTraceId() + "-" + parent.getSpanId(), "destination");
      }
    }
    return facts == null ? span : new WithAttributes(span, facts);
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
