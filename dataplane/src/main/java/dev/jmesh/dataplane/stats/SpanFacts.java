package dev.jmesh.dataplane.stats;

import dev.jmesh.bootstrap.MeshRequestFacts;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlags;
import dev.jmesh.dataplane.record.TrafficLabels;

/**
 * A finished record as the facts a tracer in this JVM puts on its span ({@link
 * dev.jmesh.bootstrap.MeshSpanFacts}): the same values the record's Istio metrics carry. Only made
 * for records that carry a span key, which they do only once a tracer attached.
 */
final class SpanFacts {

  private SpanFacts() {}

  static MeshRequestFacts of(TrafficLabels t, RequestRecord record) {
    return new MeshRequestFacts(
        t.reporter().label(),
        t.source().workload(),
        t.source().namespace(),
        t.source().principal(),
        t.destination().workload(),
        t.destination().namespace(),
        t.destination().principal(),
        t.destinationService(),
        record.route(),
        record.cluster(),
        record.upstreamHost(),
        ResponseFlags.toShortString(record.responseFlags()),
        record.requestId());
  }
}
