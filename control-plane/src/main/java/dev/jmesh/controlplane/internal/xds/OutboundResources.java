package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Message;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The outbound resources of one proxy shape ({@link XdsTranslator#shapeKey}: namespace and
 * labels), shared by every proxy of that shape and immutable once built. The
 * ClusterLoadAssignments of clusters with locality load balancing differ by the proxy's
 * locality (and failoverPriority labels): they are built on demand, once per distinct answer,
 * and shared by the proxies that get it.
 */
public final class OutboundResources {
  private final SortedMap<String, Message> listeners;
  private final SortedMap<String, Message> routes;
  private final SortedMap<String, Message> clusters;
  private final SortedMap<String, Message> endpoints;
  private final List<LocalityCluster> byLocality;
  /** The failoverPriority label names any locality-aware cluster compares. */
  private final Set<String> priorityLabels = new TreeSet<>();

  OutboundResources(SortedMap<String, Message> listeners, SortedMap<String, Message> routes,
      SortedMap<String, Message> clusters, SortedMap<String, Message> endpoints,
      Map<String, LocalityCluster> byLocality) {
    this.listeners = Collections.unmodifiableSortedMap(listeners);
    this.routes = Collections.unmodifiableSortedMap(routes);
    this.clusters = Collections.unmodifiableSortedMap(clusters);
    this.endpoints = Collections.unmodifiableSortedMap(endpoints);
    this.byLocality = List.copyOf(byLocality.values());
    for (LocalityCluster lc : this.byLocality) {
      priorityLabels.addAll(lc.balancer.priorityLabels());
    }
  }

  SortedMap<String, Message> listeners() {
    return listeners;
  }

  SortedMap<String, Message> routes() {
    return routes;
  }

  SortedMap<String, Message> clusters() {
    return clusters;
  }

  /** The assignments as this proxy sees them. */
  SortedMap<String, Message> endpoints(ProxyNode node) {
    if (byLocality.isEmpty()) {
      return endpoints;
    }
    SortedMap<String, Message> out = new TreeMap<>(endpoints);
    for (LocalityCluster lc : byLocality) {
      out.put(lc.name, lc.assignment(node));
    }
    return out;
  }

  /**
   * What of a proxy beyond its shape and addresses its resources depend on: empty when no
   * cluster is locality-aware, else its locality and the failoverPriority labels' values.
   */
  public String localityKey(ProxyNode node) {
    if (byLocality.isEmpty()) {
      return "";
    }
    if (priorityLabels.isEmpty()) {
      return node.locality();
    }
    Map<String, String> labels =
        LocalityLoadBalancer.withTopology(node.labels(), node.locality());
    StringBuilder key = new StringBuilder(node.locality());
    for (String name : priorityLabels) {
      key.append('|').append(labels.get(name));
    }
    return key.toString();
  }

  /** An EDS cluster whose endpoints each proxy sees from its own locality. */
  static final class LocalityCluster {
    private final String name;
    private final int port;
    private final List<ServiceEndpoint> endpoints;
    private final LocalityLoadBalancer balancer;
    private final Map<String, ClusterLoadAssignment> byProxy = new ConcurrentHashMap<>();

    LocalityCluster(String name, int port, List<ServiceEndpoint> endpoints,
        LocalityLoadBalancer balancer) {
      this.name = name;
      this.port = port;
      this.endpoints = List.copyOf(endpoints);
      this.balancer = balancer;
    }

    ClusterLoadAssignment assignment(ProxyNode node) {
      return byProxy.computeIfAbsent(balancer.proxyKey(node.locality(), node.labels()),
          k -> balancer.assignment(name, port, endpoints, node.locality(), node.labels()));
    }
  }
}
