package dev.jmesh.dataplane.outbound;

import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.EndpointWorkload;
import dev.jmesh.dataplane.identity.ServerIdentities;
import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TrafficSeries;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The metric labels of this workload's outbound traffic, as the source reporter writes them: this
 * workload as the source; the destination service, and the subset as its version, read from Istio's
 * cluster name ({@code outbound|9080|v1|reviews.default.svc.cluster.local}); and, once a host was
 * picked, the workload behind it from its endpoint's {@code istio.workload} metadata, with the
 * principal the mutual TLS to it must present. Computed once per cluster and per host, so a request
 * finds its series without allocating.
 */
public final class TrafficEdges {

  /** Hosts remembered before the cache starts over (hosts that left the mesh are not tracked). */
  private static final int MAX_HOSTS = 4096;

  private final WorkloadLabels source;
  private final ConcurrentHashMap<UpstreamCluster, TrafficSeries> byCluster =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Host, HostEdge> byHost = new ConcurrentHashMap<>();
  private volatile TrafficSeries unknown;

  /** A host's series and what it was computed from: a new endpoint or cluster config redoes it. */
  private record HostEdge(Endpoint endpoint, ClusterConfig config, TrafficSeries series) {}

  public TrafficEdges(WorkloadLabels source) {
    this.source = source;
  }

  /** The series of requests to {@code cluster} before (or without) a host. */
  public TrafficSeries series(UpstreamCluster cluster, IstioMetrics metrics) {
    TrafficSeries s = byCluster.get(cluster);
    if (s == null) {
      s = byCluster.computeIfAbsent(cluster, c -> metrics.traffic(labels(c.name())));
    }
    return s;
  }

  /**
   * The series of requests {@code host} of {@code cluster} answered: the cluster's, with the
   * destination workload of the host's endpoint when the control plane named it.
   */
  public TrafficSeries series(UpstreamCluster cluster, Host host, IstioMetrics metrics) {
    Endpoint endpoint = host.endpoint();
    if (endpoint.workload() == null) {
      return series(cluster, metrics);
    }
    ClusterConfig config = cluster.config();
    HostEdge edge = byHost.get(host);
    if (edge == null || edge.endpoint != endpoint || edge.config != config) {
      if (byHost.size() >= MAX_HOSTS) {
        byHost.clear();
      }
      edge = new HostEdge(endpoint, config, metrics.traffic(labels(config, endpoint)));
      byHost.put(host, edge);
    }
    return edge.series;
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
    return builder(clusterName).build();
  }

  /** The labels of requests to {@code endpoint}, whose {@link Endpoint#workload()} is known. */
  TrafficLabels labels(ClusterConfig cluster, Endpoint endpoint) {
    EndpointWorkload w = endpoint.workload();
    String revision = w.canonicalRevision();
    UpstreamTlsContext tls = cluster.tlsFor(endpoint.transportSocketMatch());
    return builder(cluster.name())
        .destination(
            WorkloadLabels.builder()
                .workload(w.name())
                .namespace(w.namespace())
                .app(w.canonicalService())
                .version(WorkloadLabels.LATEST.equals(revision) ? null : revision)
                .canonicalService(w.canonicalService())
                .canonicalRevision(revision)
                .cluster(w.cluster())
                // Only mutual TLS proves who answered, and only a single allowed identity names it.
                .principal(tls == null ? null : ServerIdentities.single(tls.getCommonTlsContext()))
                .build())
        .build();
  }

  private TrafficLabels.Builder builder(String clusterName) {
    String[] parts = clusterName.split("\\|", -1);
    TrafficLabels.Builder b =
        TrafficLabels.builder(Reporter.SOURCE)
            .source(source)
            // Istio's source reporter writes unknown: the caller's side does not judge the policy.
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
    return b;
  }
}
