package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.route.RequestView;
import dev.jmesh.dataplane.route.RouteDecision;
import dev.jmesh.dataplane.route.RouteTable;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mesh configuration in force: outbound listeners by {@code host:port} with their route
 * tables resolved, and clusters by name with their endpoints. Compiled once per config push,
 * immutable, swapped atomically by its owner; lookups allocate nothing.
 *
 * <pre>{@code
 * MeshSnapshot.Compilation c = MeshSnapshot.compile(listeners, routes, clusters, assignments);
 * c.rejections().forEach(r -> nack(r.message()));
 * current = c.snapshot();
 * RouteDecision d = current.decide("reviews.default.svc.cluster.local:9080", request, rnd);
 * }</pre>
 */
public final class MeshSnapshot {

  /** The snapshot before any configuration arrived. */
  public static final MeshSnapshot EMPTY = new MeshSnapshot(Map.of(), Map.of(), Map.of());

  private final Map<String, OutboundListener> listeners;
  private final Map<String, RouteTable> routeTables;
  private final Map<String, ClusterConfig> clusters;

  private MeshSnapshot(
      Map<String, OutboundListener> listeners,
      Map<String, RouteTable> routeTables,
      Map<String, ClusterConfig> clusters) {
    this.listeners = listeners;
    this.routeTables = routeTables;
    this.clusters = clusters;
  }

  /**
   * A snapshot and the resources that were rejected.
   *
   * @param snapshot the snapshot of every resource that compiled
   * @param rejections one per rejected resource, in input order by type
   */
  public record Compilation(MeshSnapshot snapshot, List<ConfigRejection> rejections) {
    public Compilation {
      rejections = List.copyOf(rejections);
    }
  }

  /**
   * Compiles a complete set of resources. A rejected resource is left out (the xDS client keeps
   * its previous version if it has one and NACKs); every other one is compiled, as the xDS
   * protocol asks. A listener whose route configuration is missing or rejected has a {@code
   * null} route table; a cluster whose assignment is missing has no endpoints.
   */
  public static Compilation compile(
      Collection<Listener> listeners,
      Collection<RouteConfiguration> routeConfigurations,
      Collection<Cluster> clusters,
      Collection<ClusterLoadAssignment> assignments) {
    List<ConfigRejection> rejections = new ArrayList<>();

    Map<String, RouteTable> tables = new HashMap<>();
    for (RouteConfiguration rc : routeConfigurations) {
      try {
        tables.put(rc.getName(), RouteTableCompiler.compile(rc));
      } catch (InvalidConfigException e) {
        rejections.add(e.toRejection(RouteTableCompiler.TYPE, rc.getName()));
      }
    }

    Map<String, OutboundListener> ls = new HashMap<>();
    for (Listener l : listeners) {
      try {
        OutboundListener ol = ListenerCompiler.compile(l);
        if (ol.routeConfigName() != null) {
          ol = ol.withRouteTable(tables.get(ol.routeConfigName()));
        }
        ls.put(ol.name(), ol);
      } catch (InvalidConfigException e) {
        rejections.add(e.toRejection(ListenerCompiler.TYPE, l.getName()));
      }
    }

    Map<String, List<Endpoint>> endpoints = new HashMap<>();
    for (ClusterLoadAssignment a : assignments) {
      try {
        endpoints.put(a.getClusterName(), ClusterCompiler.endpoints(a, ""));
      } catch (InvalidConfigException e) {
        rejections.add(e.toRejection(ClusterCompiler.ASSIGNMENT, a.getClusterName()));
      }
    }

    Map<String, ClusterConfig> cs = new HashMap<>();
    for (Cluster c : clusters) {
      try {
        ClusterConfig cc = ClusterCompiler.cluster(c);
        if (cc.discovery() == ClusterConfig.Discovery.EDS) {
          cc = cc.withEndpoints(endpoints.getOrDefault(cc.edsServiceName(), List.of()));
        }
        cs.put(cc.name(), cc);
      } catch (InvalidConfigException e) {
        rejections.add(e.toRejection(ClusterCompiler.CLUSTER, c.getName()));
      }
    }
    return new Compilation(
        new MeshSnapshot(Map.copyOf(ls), Map.copyOf(tables), Map.copyOf(cs)), rejections);
  }

  /** The outbound listener for a service {@code host:port}, or {@code null}. */
  public OutboundListener listener(String hostPort) {
    return listeners.get(hostPort);
  }

  /** A route configuration by its RDS name, or {@code null}. */
  public RouteTable routeTable(String name) {
    return routeTables.get(name);
  }

  /** A cluster by name, or {@code null}. */
  public ClusterConfig cluster(String name) {
    return clusters.get(name);
  }

  /**
   * Routes a request to the service {@code hostPort}: {@link RouteDecision#NO_ROUTE} when the
   * service has no listener or its routes have not arrived.
   */
  public RouteDecision decide(String hostPort, RequestView request, long random) {
    OutboundListener l = listeners.get(hostPort);
    if (l == null || l.routeTable() == null) {
      return RouteDecision.NO_ROUTE;
    }
    return l.routeTable().decide(request, random);
  }

  public Collection<OutboundListener> listeners() {
    return listeners.values();
  }

  public Collection<ClusterConfig> clusters() {
    return clusters.values();
  }
}
