package dev.jmesh.journal.tap;

import dev.jmesh.dataplane.record.RecordJournal;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalProtocol;
import dev.jmesh.journal.JournalRecord;
import dev.jmesh.journal.JournalReporter;

/**
 * The data path's finished records (HTTP and gRPC requests, TCP connections), copied into the
 * journal's form and handed to its writer; the agent and the proxy both install it with {@code
 * IstioMetrics.journal(new JournalTap(journal))}. One reusable {@link JournalRecord} per thread, so
 * the request path allocates nothing of its own beyond the strings a request's method, authority
 * and path already are; {@link Journal#offer} encodes and returns at once, dropping (and counting)
 * when its ring is full.
 *
 * <p>The one class of the journal that knows the data path: the journal module compiles against
 * {@code dataplane} as {@code provided}, so {@code mesh replay} does not carry it and the data path
 * never depends on Chronicle.
 */
public final class JournalTap implements RecordJournal {

  private static final ThreadLocal<JournalRecord> ENTRIES =
      ThreadLocal.withInitial(JournalRecord::new);

  private final Journal journal;

  public JournalTap(Journal journal) {
    this.journal = journal;
  }

  @Override
  public void offer(TrafficLabels labels, RequestRecord record) {
    JournalRecord entry = ENTRIES.get().reset();
    entry
        .protocol(protocol(record.protocol()))
        .start(record.startEpochMillis())
        .durationNanos(record.durationNanos())
        .upstreamNanos(record.upstreamNanos())
        .route(record.route())
        .cluster(record.cluster())
        .upstreamHost(record.upstreamHost())
        .request(text(record.method()), text(record.authority()), text(record.path()))
        .requestId(record.requestId())
        .responseCode(record.responseCode())
        .grpcStatus(record.grpcStatus())
        .responseFlags(record.responseFlags())
        .bytes(record.bytesReceived(), record.bytesSent());
    if (labels != null) {
      WorkloadLabels s = labels.source();
      WorkloadLabels d = labels.destination();
      entry
          .reporter(
              labels.reporter() == Reporter.SOURCE
                  ? JournalReporter.SOURCE
                  : JournalReporter.DESTINATION)
          .source(s.workload(), s.namespace(), s.principal())
          .destination(d.workload(), d.namespace(), d.principal())
          .destinationService(labels.destinationService())
          .securityPolicy(labels.securityPolicy().label());
    }
    journal.offer(entry);
  }

  private static JournalProtocol protocol(RequestProtocol p) {
    switch (p) {
      case GRPC:
        return JournalProtocol.GRPC;
      case TCP:
        return JournalProtocol.TCP;
      default:
        return JournalProtocol.HTTP;
    }
  }

  /** A header value as a String: the codecs' values mostly are one already. */
  private static String text(CharSequence value) {
    return value == null ? null : value.toString();
  }
}
