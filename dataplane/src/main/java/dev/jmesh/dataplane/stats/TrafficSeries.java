package dev.jmesh.dataplane.stats;

import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;

/**
 * A handle on the series of one traffic edge ({@link TrafficLabels}), returned by {@link
 * IstioMetrics#traffic}. A caller that caches it (next to its route, or on an inbound connection)
 * records with {@link IstioMetrics#record(TrafficSeries, dev.jmesh.dataplane.record.RequestRecord)}
 * and skips even the lookup of its labels. Holds the edge's labels rendered for Prometheus once, so
 * a scrape does not escape them again.
 */
public final class TrafficSeries {

  private final int id;
  private final TrafficLabels labels;
  private final String rendered;

  TrafficSeries(int id, TrafficLabels labels, String rendered) {
    this.id = id;
    this.labels = labels;
    this.rendered = rendered;
  }

  static TrafficSeries of(int id, TrafficLabels labels) {
    WorkloadLabels s = labels.source();
    WorkloadLabels d = labels.destination();
    String rendered =
        PrometheusText.labels(
            "reporter", labels.reporter().label(),
            "source_workload", s.workload(),
            "source_workload_namespace", s.namespace(),
            "source_principal", s.principal(),
            "source_app", s.app(),
            "source_version", s.version(),
            "source_canonical_service", s.canonicalService(),
            "source_canonical_revision", s.canonicalRevision(),
            "source_cluster", s.cluster(),
            "destination_workload", d.workload(),
            "destination_workload_namespace", d.namespace(),
            "destination_principal", d.principal(),
            "destination_app", d.app(),
            "destination_version", d.version(),
            "destination_service", labels.destinationService(),
            "destination_service_name", labels.destinationServiceName(),
            "destination_service_namespace", labels.destinationServiceNamespace(),
            "destination_canonical_service", d.canonicalService(),
            "destination_canonical_revision", d.canonicalRevision(),
            "destination_cluster", d.cluster());
    return new TrafficSeries(id, labels, rendered);
  }

  /** The edge's number in its {@link IstioMetrics}; 0 is the overflow edge. */
  int id() {
    return id;
  }

  /** The labels; {@code null} for the overflow edge. */
  public TrafficLabels labels() {
    return labels;
  }

  String rendered() {
    return rendered;
  }

  boolean isOverflow() {
    return id == 0;
  }
}
