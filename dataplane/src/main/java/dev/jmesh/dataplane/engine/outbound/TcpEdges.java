package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TrafficSeries;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The metric labels of this workload's outbound TCP connections to each cluster, as the source
 * reporter writes them; the same labels {@code outbound.TrafficEdges} gives requests (whose helpers
 * are package-private there), computed once per cluster.
 */
final class TcpEdges {

  private final WorkloadLabels source;
  private final ConcurrentHashMap<UpstreamCluster, TrafficSeries> byCluster =
      new ConcurrentHashMap<>();

  TcpEdges(WorkloadLabels source) {
    this.source = source;
  }

  TrafficSeries series(UpstreamCluster cluster, IstioMetrics metrics) {
    TrafficSeries s = byCluster.get(cluster);
    return s != null
        ? s
        : byCluster.computeIfAbsent(cluster, c -> metrics.traffic(labels(c.name())));
  }

  TrafficSeries unknown(IstioMetrics metrics) {
    return metrics.traffic(
        TrafficLabels.builder(Reporter.SOURCE)
            .source(source)
            .destination(WorkloadLabels.UNKNOWN_WORKLOAD)
            .securityPolicy(ConnectionSecurityPolicy.UNKNOWN)
            .build());
  }

  TrafficLabels labels(String clusterName) {
    String[] parts = clusterName.split("\\|", -1);
    TrafficLabels.Builder b =
        TrafficLabels.builder(Reporter.SOURCE)
            .source(source)
            // As Istio: the source reporter labels the policy unknown; the destination knows it.
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
