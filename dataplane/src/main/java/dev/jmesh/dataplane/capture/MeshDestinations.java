package dev.jmesh.dataplane.capture;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.config.OutboundListener;
import dev.jmesh.dataplane.config.TcpProxyListener;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the mesh knows of destinations in one config snapshot, indexed for the connect and resolve
 * hooks: service names with Kubernetes' short forms, the outbound listener of each service port,
 * the listener an endpoint's {@code ip:port} belongs to, and whether unknown destinations are
 * blocked ({@code outboundTrafficPolicy: REGISTRY_ONLY}). Immutable; rebuilt per snapshot.
 */
final class MeshDestinations {

  /** Where REGISTRY_ONLY sends an unknown destination; the engine closes such connections. */
  static final String BLACK_HOLE = "BlackHoleCluster";

  private static final String KUBERNETES_SUFFIX = ".svc.cluster.local";

  private final MeshSnapshot snapshot;

  /** Every name a service answers to, in the workload's own namespace first, to its FQDN. */
  private final Map<String, String> names;

  /** {@code host:port} of each outbound listener (HTTP and TCP) to its name. */
  private final Map<String, String> listeners;

  /** {@code ip:port} of each endpoint of a service's cluster to that service's listener. */
  private final Map<String, String> endpoints;

  private final boolean registryOnly;

  /**
   * The FQDNs whose every port goes to the caller's own destination (an {@code ORIGINAL_DST}
   * cluster: a {@code ServiceEntry} with {@code resolution: NONE}, or a {@code DestinationRule}
   * with {@code simple: PASSTHROUGH}); see {@link #resolvedByName}.
   */
  private final Set<String> resolvedByName;

  private MeshDestinations(
      MeshSnapshot snapshot,
      Map<String, String> names,
      Map<String, String> listeners,
      Map<String, String> endpoints,
      boolean registryOnly,
      Set<String> resolvedByName) {
    this.snapshot = snapshot;
    this.names = names;
    this.listeners = listeners;
    this.endpoints = endpoints;
    this.registryOnly = registryOnly;
    this.resolvedByName = resolvedByName;
  }

  static MeshDestinations of(MeshSnapshot snapshot, String ownNamespace) {
    Map<String, String> listeners = new HashMap<>();
    for (OutboundListener l : snapshot.listeners()) {
      listeners.put(l.name(), l.name());
    }
    boolean registryOnly = false;
    for (TcpProxyListener t : snapshot.tcpListeners()) {
      if (t.name().equals("virtualOutbound")) {
        TcpProxyListener.TcpRoute fallback = t.route(null);
        registryOnly = fallback != null && fallback.clusters().clusters().contains(BLACK_HOLE);
      } else {
        listeners.put(t.name(), t.name());
      }
    }
    Map<String, String> names = new HashMap<>();
    // Other namespaces' short forms first, so the workload's own namespace wins a clash, as
    // Kubernetes' search path makes it.
    for (int pass = 0; pass < 2; pass++) {
      for (String listener : listeners.keySet()) {
        String host = host(listener);
        names.put(host, host);
        if (!host.endsWith(KUBERNETES_SUFFIX)) {
          continue;
        }
        String nameNs = host.substring(0, host.length() - KUBERNETES_SUFFIX.length());
        int dot = nameNs.indexOf('.');
        if (dot < 0) {
          continue;
        }
        boolean own = nameNs.substring(dot + 1).equals(ownNamespace);
        if (own != (pass == 1)) {
          continue;
        }
        names.put(nameNs + ".svc", host);
        names.put(nameNs, host);
        if (own) {
          names.put(nameNs.substring(0, dot), host);
        }
      }
    }
    Map<String, String> endpoints = new HashMap<>();
    Set<String> original = new HashSet<>();
    Set<String> balanced = new HashSet<>();
    for (ClusterConfig c : snapshot.clusters()) {
      String listener = serviceListener(c.name(), listeners);
      if (listener == null) {
        continue;
      }
      boolean toCaller = c.discovery() == ClusterConfig.Discovery.ORIGINAL_DST;
      (toCaller ? original : balanced).add(host(listener));
      for (Endpoint e : c.endpoints()) {
        endpoints.putIfAbsent(e.address() + ":" + e.port(), listener);
      }
    }
    original.removeAll(balanced);
    return new MeshDestinations(
        snapshot,
        Map.copyOf(names),
        Map.copyOf(listeners),
        Map.copyOf(endpoints),
        registryOnly,
        Set.copyOf(original));
  }

  MeshSnapshot snapshot() {
    return snapshot;
  }

  /** The FQDN of a service name in any of its forms, or {@code null} if the mesh has none. */
  String fqdn(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return names.get(n.toLowerCase(java.util.Locale.ROOT));
  }

  /** The outbound listener for a service's port, or {@code null}. */
  String listener(String fqdn, int port) {
    return listeners.get(fqdn + ":" + port);
  }

  /** The listener of the service an endpoint belongs to, or {@code null}. */
  String listenerOfEndpoint(String ip, int port) {
    return endpoints.get(ip + ":" + port);
  }

  boolean registryOnly() {
    return registryOnly;
  }

  /**
   * Whether the service {@code fqdn} is reached where the application's own lookup of its name
   * points: each of its ports goes to an {@code ORIGINAL_DST} cluster (Istio's {@code
   * ServiceEntry} with {@code resolution: NONE}), so it gets no virtual address, as Istio's DNS
   * proxy allocates none for it: an address of the mesh's own would hide where the application
   * meant to go.
   */
  boolean resolvedByName(String fqdn) {
    return resolvedByName.contains(fqdn);
  }

  /**
   * The listener of an Istio outbound cluster ({@code outbound|9080|v1|reviews.default.svc...}), or
   * {@code null} for any other cluster.
   */
  private static String serviceListener(String cluster, Map<String, String> listeners) {
    if (!cluster.startsWith("outbound|")) {
      return null;
    }
    String[] parts = cluster.split("\\|", -1);
    if (parts.length != 4) {
      return null;
    }
    return listeners.get(parts[3] + ":" + parts[1]);
  }

  private static String host(String listener) {
    int colon = listener.lastIndexOf(':');
    return colon < 0 ? listener : listener.substring(0, colon);
  }
}
