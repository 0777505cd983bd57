package dev.jmesh.dataplane.trace;

import dev.jmesh.dataplane.record.RequestRecordSnapshot;
import dev.jmesh.dataplane.record.TrafficLabels;

/**
 * A sampled request's span, frozen for the exporter thread: the request's record, its edge (whose
 * reporter makes it a client or a server span) and its ids.
 */
record FinishedSpan(
    Tracing tracing,
    TrafficLabels labels,
    RequestRecordSnapshot record,
    long traceIdHigh,
    long traceIdLow,
    long spanId,
    long parentSpanId) {}
