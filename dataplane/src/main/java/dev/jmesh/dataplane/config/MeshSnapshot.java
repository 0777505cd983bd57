package dev.jmesh.dataplane.config;

import com.google.protobuf.Message;
import dev.jmesh.dataplane.route.RequestView;
import dev.jmesh.dataplane.route.RouteDecision;
import dev.jmesh.dataplane.route.RouteTable;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The mesh configuration in force: outbound listeners by {@code host:port} with their route tables
 * resolved, and clusters by name with their endpoints. Immutable; its owner swaps it atomically.
 * Lookups allocate nothing.
 *
 * <p>Each xDS push of one resource type yields a new snapshot through {@code with*}: resources
 * equal to the previous push are not compiled again, a rejected resource keeps its previous version
 * (or stays absent), and a resource missing from the push is removed, as the xDS state-of-the-world
 * protocol asks.
 *
 * <pre>{@code
 * MeshSnapshot.Compilation c = current.withRouteConfigurations(routesByName);
 * c.rejections().forEach(r -> reasons.put(r.resourceName(), r.message()));
 * current = c.snapshot();
 * RouteDecision d = current.decide("reviews.default.svc.cluster.local:9080", request, rnd);
 * }</pre>
 */
public final class MeshSnapshot {

  /** The snapshot before any configuration arrived. */
  public static final MeshSnapshot EMPTY = new MeshSnapshot(Map.of(), Map.of(), Map.of(), Map.of());

  /** A compiled resource and the message it was compiled from. */
  private record Compiled<T>(Message source, T value) {}

  /** Compiles one resource. */
  private interface Compiler<M, T> {
    T compile(M resource) throws InvalidConfigException;
  }

  private final Map<String, Compiled<ListenerConfig>> listenerSources;
  private final Map<String, Compiled<RouteTable>> routeSources;
  private final Map<String, Compiled<ClusterConfig>> clusterSources;
  private final Map<String, Compiled<List<Endpoint>>> assignmentSources;

  private final Map<String, OutboundListener> listeners;
  private final Map<String, TcpProxyListener> tcpListeners;
  private final Map<String, InboundListener> inboundListeners;

  /**
   * The same listeners by the port they serve, for the engine's per-request lookup (three a
   * request): sorted ports and their listeners, searched without boxing the port as a {@code
   * Map<Integer, ...>} would.
   */
  private final int[] inboundPorts;

  private final InboundListener[] inboundByPort;

  private final Map<String, RouteTable> routeTables;
  private final Map<String, ClusterConfig> clusters;

  private MeshSnapshot(
      Map<String, Compiled<ListenerConfig>> listenerSources,
      Map<String, Compiled<RouteTable>> routeSources,
      Map<String, Compiled<ClusterConfig>> clusterSources,
      Map<String, Compiled<List<Endpoint>>> assignmentSources) {
    this.listenerSources = listenerSources;
    this.routeSources = routeSources;
    this.clusterSources = clusterSources;
    this.assignmentSources = assignmentSources;
    Map<String, RouteTable> tables = new HashMap<>();
    routeSources.forEach((name, c) -> tables.put(name, c.value()));
    this.routeTables = Map.copyOf(tables);
    Map<String, OutboundListener> ls = new HashMap<>();
    Map<String, TcpProxyListener> tcp = new HashMap<>();
    Map<String, InboundListener> inbound = new HashMap<>();
    listenerSources.forEach(
        (name, c) -> {
          ListenerConfig config = c.value();
          if (config instanceof OutboundListener l) {
            ls.put(
                name,
                l.routeConfigName() == null
                    ? l
                    : l.withRouteTable(tables.get(l.routeConfigName())));
          } else if (config instanceof TcpProxyListener t) {
            tcp.put(name, t);
          } else if (config instanceof InboundListener i) {
            inbound.put(name, i);
          }
        });
    this.listeners = Map.copyOf(ls);
    this.tcpListeners = Map.copyOf(tcp);
    this.inboundListeners = Map.copyOf(inbound);
    Map<Integer, InboundListener> byPort = new HashMap<>();
    for (InboundListener l : inbound.values()) {
      byPort.putIfAbsent(l.port(), l);
    }
    this.inboundPorts = byPort.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    this.inboundByPort = new InboundListener[inboundPorts.length];
    for (int i = 0; i < inboundPorts.length; i++) {
      inboundByPort[i] = byPort.get(inboundPorts[i]);
    }
    Map<String, ClusterConfig> cs = new HashMap<>();
    clusterSources.forEach(
        (name, c) -> {
          ClusterConfig cc = c.value();
          if (cc.discovery() == ClusterConfig.Discovery.EDS) {
            Compiled<List<Endpoint>> a = assignmentSources.get(cc.edsServiceName());
            cc = cc.withEndpoints(a == null ? List.of() : a.value());
          }
          cs.put(name, cc);
        });
    this.clusters = Map.copyOf(cs);
  }

  /**
   * A snapshot and the resources of the push that were rejected.
   *
   * @param snapshot the snapshot with every accepted resource applied
   * @param rejections one per rejected resource
   */
  public record Compilation(MeshSnapshot snapshot, List<ConfigRejection> rejections) {
    public Compilation {
      rejections = List.copyOf(rejections);
    }
  }

  /** Compiles a complete set of resources from nothing; names are the resources' own. */
  public static Compilation compile(
      Collection<Listener> listeners,
      Collection<RouteConfiguration> routeConfigurations,
      Collection<Cluster> clusters,
      Collection<ClusterLoadAssignment> assignments) {
    List<ConfigRejection> rejections = new ArrayList<>();
    Compilation c =
        EMPTY.withRouteConfigurations(byName(routeConfigurations, RouteConfiguration::getName));
    rejections.addAll(c.rejections());
    c = c.snapshot().withListeners(byName(listeners, Listener::getName));
    rejections.addAll(c.rejections());
    c = c.snapshot().withAssignments(byName(assignments, ClusterLoadAssignment::getClusterName));
    rejections.addAll(c.rejections());
    c = c.snapshot().withClusters(byName(clusters, Cluster::getName));
    rejections.addAll(c.rejections());
    return new Compilation(c.snapshot(), rejections);
  }

  private static <M> Map<String, M> byName(Collection<M> resources, Function<M, String> name) {
    Map<String, M> out = new LinkedHashMap<>();
    for (M m : resources) {
      out.put(name.apply(m), m);
    }
    return out;
  }

  /** This snapshot with the LDS state of the world {@code resources} (by name). */
  public Compilation withListeners(Map<String, Listener> resources) {
    List<ConfigRejection> rejections = new ArrayList<>();
    Map<String, Compiled<ListenerConfig>> next =
        update(
            listenerSources,
            resources,
            ListenerCompiler.TYPE,
            ListenerCompiler::compile,
            rejections);
    return new Compilation(
        new MeshSnapshot(next, routeSources, clusterSources, assignmentSources), rejections);
  }

  /** This snapshot with the RDS state of the world {@code resources} (by name). */
  public Compilation withRouteConfigurations(Map<String, RouteConfiguration> resources) {
    List<ConfigRejection> rejections = new ArrayList<>();
    Map<String, Compiled<RouteTable>> next =
        update(
            routeSources,
            resources,
            RouteTableCompiler.TYPE,
            RouteTableCompiler::compile,
            rejections);
    return new Compilation(
        new MeshSnapshot(listenerSources, next, clusterSources, assignmentSources), rejections);
  }

  /** This snapshot with the CDS state of the world {@code resources} (by name). */
  public Compilation withClusters(Map<String, Cluster> resources) {
    List<ConfigRejection> rejections = new ArrayList<>();
    Map<String, Compiled<ClusterConfig>> next =
        update(
            clusterSources,
            resources,
            ClusterCompiler.CLUSTER,
            ClusterCompiler::cluster,
            rejections);
    return new Compilation(
        new MeshSnapshot(listenerSources, routeSources, next, assignmentSources), rejections);
  }

  /** This snapshot with the EDS state of the world {@code resources} (by cluster name). */
  public Compilation withAssignments(Map<String, ClusterLoadAssignment> resources) {
    List<ConfigRejection> rejections = new ArrayList<>();
    Map<String, Compiled<List<Endpoint>>> next =
        update(
            assignmentSources,
            resources,
            ClusterCompiler.ASSIGNMENT,
            a -> ClusterCompiler.endpoints(a, ""),
            rejections);
    return new Compilation(
        new MeshSnapshot(listenerSources, routeSources, clusterSources, next), rejections);
  }

  private static <M extends Message, T> Map<String, Compiled<T>> update(
      Map<String, Compiled<T>> previous,
      Map<String, M> resources,
      String type,
      Compiler<M, T> compiler,
      List<ConfigRejection> rejections) {
    Map<String, Compiled<T>> next = new HashMap<>();
    for (Map.Entry<String, M> e : resources.entrySet()) {
      String name = e.getKey();
      M resource = e.getValue();
      Compiled<T> prev = previous.get(name);
      if (prev != null && prev.source().equals(resource)) {
        next.put(name, prev);
        continue;
      }
      try {
        next.put(name, new Compiled<>(resource, compiler.compile(resource)));
      } catch (InvalidConfigException ex) {
        rejections.add(ex.toRejection(type, name));
        if (prev != null) {
          next.put(name, prev);
        }
      } catch (RuntimeException ex) {
        // A bug of ours must cost one resource, not the whole configuration.
        rejections.add(new ConfigRejection(type, name, "", "internal error: " + ex));
        if (prev != null) {
          next.put(name, prev);
        }
      }
    }
    return Map.copyOf(next);
  }

  /** The outbound HTTP listener for a service {@code host:port}, or {@code null}. */
  public OutboundListener listener(String hostPort) {
    return listeners.get(hostPort);
  }

  /**
   * The outbound TCP proxy listener by name: a service's TCP port ({@code host:port}) or {@code
   * virtualOutbound}; {@code null} when there is none.
   */
  public TcpProxyListener tcpListener(String name) {
    return tcpListeners.get(name);
  }

  /** The inbound listener by name, or {@code null}. */
  public InboundListener inboundListener(String name) {
    return inboundListeners.get(name);
  }

  /** The inbound listener for the workload port {@code port}, or {@code null}. */
  public InboundListener inboundListener(int port) {
    int i = Arrays.binarySearch(inboundPorts, port);
    return i < 0 ? null : inboundByPort[i];
  }

  public Collection<InboundListener> inboundListeners() {
    return inboundListeners.values();
  }

  public Collection<TcpProxyListener> tcpListeners() {
    return tcpListeners.values();
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
