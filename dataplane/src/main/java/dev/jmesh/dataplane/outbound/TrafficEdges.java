package dev.jmesh.dataplane.outbound;

import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TrafficSeries;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The metric labels of this workload's outbound traffic to each cluster, as the source reporter
 * writes them: this workload as the source; the destination service, and the subset as its version,
 * read from Istio's cluster name ({@code outbound|9080|v1|reviews.default.svc.cluster.local}).
 * Computed once per cluster, so a request finds its series without allocating. The destination
 * workload and principal stay {@code unknown} until peer metadata arrives (the telemetry work).
 */
public final class TrafficEdges {

  private final WorkloadLabels source;
  private final ConcurrentHashMap<UpstreamCluster, TrafficSeries> byCluster =
      new ConcurrentHashMap<>();
  private volatile TrafficSeries unknown;

  public TrafficEdges(WorkloadLabels source) {
    this.source = source;
  }

  /** The series of requests to {@code cluster}. */
  public TrafficSeries series(UpstreamCluster cluster, IstioMetrics metrics) {
    TrafficSeries s = byCluster.get(cluster);
    if (s == null) {
      s = byCluster.computeIfAbsent(cluster, c -> metrics.traffic(labels(c.name())));
    }
    return s;
  }

  /** The series of requests answered before a cluster was known (no route, no cluster). */
  public TrafficSeries unknownDestination(IstioMetrics metrics) {
    TrafficSeries s = unknown;
    if (s == null) {
      s =
          metrics.traffic(
              TrafficLabels.builder(Reporter.SOURCE)
                  .source(source)
                  .destination(WorkloadLabels.UNKNOWN_WORKLOAD)
                  .securityPolicy(ConnectionSecurityPolicy.UNKNOWN)
                  .build());
      unknown = s;
    }
    return s;
  }

  /** The labels for a cluster named as Istio names them, or only the cluster for other names. */
  public TrafficLabels labels(String clusterName) {
    String[] parts = clusterName.split("\\|", -1);
    TrafficLabels.Builder b =
        TrafficLabels.builder(Reporter.SOURCE)
            .source(source)
            // mTLS on the wire arrives with the engine; until then traffic is plaintext.
            .securityPolicy(ConnectionSecurityPolicy.UNKNOWN);
    if (parts.length == 4 && parts[0].equals("outbound")) {
      String host = parts[3];
      int dot = host.indexOf('.');
      String name = dot < 0 ? host : host.substring(0, dot);
      int next = dot < 0 ? -1 : host.indexOf('.', dot + 1);
      String namespace = dot < 0 ? null : host.substring(dot + 1, next < 0 ? host.length() : next);
      b.destinationService(host, name, namespace)
          .destination(
              WorkloadLabels.builder()
                  .namespace(namespace)
                  .app(name)
                  .canonicalService(name)
                  .version(parts[2])
                  .build());
    } else {
      b.destinationService(clusterName, clusterName, null)
          .destination(WorkloadLabels.UNKNOWN_WORKLOAD);
    }
    return b.build();
  }
}
