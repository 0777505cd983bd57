package dev.jmesh.dataplane.record;

/**
 * Where a finished request's record goes after the metrics counted it, when the workload keeps a
 * journal (mesh-proxy by default; docs/telemetry-journal.md). Called on the request path, once per
 * request, with the record the caller is about to reset: an implementation copies what it keeps and
 * returns at once, never blocks and never throws.
 */
@FunctionalInterface
public interface RecordJournal {

  /** No journal: the record is dropped. */
  RecordJournal OFF = (labels, record) -> {};

  /**
   * @param labels the request's traffic edge (reporter, workloads, service, security policy)
   * @param record what the request did
   */
  void offer(TrafficLabels labels, RequestRecord record);
}
