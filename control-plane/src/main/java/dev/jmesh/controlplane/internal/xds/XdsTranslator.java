package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Message;
import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.config.PeerAuthentication.MtlsMode;
import dev.jmesh.controlplane.config.ServicePort;
import dev.jmesh.controlplane.config.Sidecar;
import dev.jmesh.controlplane.config.VirtualService;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.registry.MeshService;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import dev.jmesh.controlplane.internal.registry.ServiceRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Translates a {@link MeshSnapshot} into the xDS resources one proxy receives: for every
 * service it may see (scoped by its {@code Sidecar}) and every port, an outbound Listener
 * named {@code host:port}, its RouteConfiguration, Istio-named Clusters per DestinationRule
 * subset, and their ClusterLoadAssignments.
 */
public final class XdsTranslator {
  private XdsTranslator() {}

  public static ProxyResources translate(MeshSnapshot snapshot, ProxyNode node) {
    return translate(snapshot, node, outbound(snapshot, node));
  }

  /**
   * What a proxy's outbound configuration depends on: its namespace (exportTo, Sidecar,
   * short names, rule precedence), labels (Sidecar selectors, {@code sourceLabels}) and
   * whether it takes auto mTLS's {@code transport_socket_matches}.
   * Proxies with the same shape share one {@link OutboundResources}.
   */
  public static String shapeKey(ProxyNode node) {
    return node.namespace() + "|" + new TreeMap<>(node.labels())
        + (node.takesTransportSocketMatches() ? "|matches" : "");
  }

  /**
   * The resources of a view: its shape's outbound resources, its inbound listeners (by its
   * addresses) and, for clusters with locality load balancing, the endpoints as seen from
   * its locality. Only those last two are built per view.
   */
  public static ProxyResources translate(MeshSnapshot snapshot, ProxyNode node,
      OutboundResources outbound) {
    SortedMap<String, Message> listeners = outbound.listeners();
    var inbound = InboundBuilder.build(snapshot, node);
    if (!inbound.isEmpty()) {
      listeners = new TreeMap<>(outbound.listeners());
      listeners.putAll(inbound);
    }
    Map<String, SortedMap<String, Message>> byType = new LinkedHashMap<>();
    byType.put(TypeUrls.LISTENER, listeners);
    byType.put(TypeUrls.ROUTE, outbound.routes());
    byType.put(TypeUrls.CLUSTER, outbound.clusters());
    byType.put(TypeUrls.ENDPOINT, outbound.endpoints(node));
    ServiceRegistry registry = snapshot.registry();
    SortedMap<String, Message> allListeners = listeners;
    return new ProxyResources(byType, requested -> {
      if (requested.startsWith(InboundBuilder.PREFIX)) {
        return InboundBuilder.forRequestedName(requested, snapshot, node);
      }
      String full = alias(requested, registry, node);
      Message listener = full == null ? null : allListeners.get(full);
      return listener == null ? null
          : ((io.envoyproxy.envoy.config.listener.v3.Listener) listener).toBuilder()
              .setName(requested).build();
    });
  }

  /** The outbound resources of the proxy's shape: every service its Sidecar lets it see. */
  public static OutboundResources outbound(MeshSnapshot snapshot, ProxyNode node) {
    ServiceRegistry registry = snapshot.registry();
    SidecarScope scope = SidecarScope.of(snapshot, node);
    String root = snapshot.meshConfig().rootNamespace();
    Map<String, DestinationRule> rules = new HashMap<>();
    for (DestinationRule dr : snapshot.destinationRules()) {
      if (MeshService.exported(dr.exportTo(), dr.namespace(), node.namespace())) {
        choose(rules, ServiceRegistry.qualify(dr.host(), dr.namespace()), dr, node, root,
            registry);
      }
    }
    Map<String, VirtualService> routes = new HashMap<>();
    for (VirtualService vs : snapshot.virtualServices()) {
      if (!vs.gateways().isEmpty() && !vs.gateways().contains("mesh")
          || !MeshService.exported(vs.exportTo(), vs.namespace(), node.namespace())) {
        continue;
      }
      for (String h : vs.hosts()) {
        choose(routes, ServiceRegistry.qualify(h, vs.namespace()), vs, node, root, registry);
      }
    }

    SortedMap<String, Message> listeners = new TreeMap<>();
    SortedMap<String, Message> routeConfigs = new TreeMap<>();
    SortedMap<String, Message> clusters = new TreeMap<>();
    SortedMap<String, Message> endpoints = new TreeMap<>();
    Map<String, OutboundResources.LocalityCluster> byLocality = new HashMap<>();
    var accessLogs = AccessLogBuilder.forProxy(snapshot, node);
    var tracing = TracingBuilder.forProxy(snapshot, node);
    boolean registryOnly = registryOnly(snapshot, scope);
    var fallthrough = node.carriesAnyAddress()
        ? java.util.List.of(RouteBuilder.fallthrough(registryOnly, PASSTHROUGH))
        : java.util.List.<io.envoyproxy.envoy.config.route.v3.VirtualHost>of();
    boolean autoMtls = snapshot.meshConfig().enableAutoMtls()
        && node.takesTransportSocketMatches();
    for (MeshService service : registry.services()) {
      if (!scope.sees(service)) {
        continue;
      }
      DestinationRule rule = rules.get(service.hostname());
      VirtualService vs = routes.get(service.hostname());
      // Like istiod, auto mTLS stays plaintext towards a namespace (or mesh) whose
      // PeerAuthentication disables mTLS: its servers would not take it.
      boolean serviceAutoMtls = autoMtls
          && InboundBuilder.namespaceMtlsMode(snapshot, service.namespace()) != MtlsMode.DISABLE;
      for (ServicePort port : service.ports()) {
        addClusters(service, port, rule, clusters, endpoints, byLocality,
            snapshot.meshConfig().trustDomain(), serviceAutoMtls);
        String name = ClusterNames.listener(service.hostname(), port.number());
        String defaultCluster = ClusterNames.outbound(port.number(), "", service.hostname());
        if (port.isHttp() || port.protocol().equals("TCP") && vs != null && !vs.http().isEmpty()
            && vs.tcp().isEmpty()) {
          listeners.put(name, ListenerBuilder.http(name, name, accessLogs, tracing));
          routeConfigs.put(name, RouteBuilder.build(name,
              domains(service, port.number(), node.namespace()), defaultCluster,
              RouteBuilder.hashPolicy(ClusterBuilder.loadBalancer(rule, null, port.number())), vs,
              d -> clusterFor(d, vs, service, port.number(), registry),
              d -> hashPolicyFor(d, vs, rules, registry, service, port.number()),
              m -> (m.port() == 0 || m.port() == port.number())
                  && node.labels().entrySet().containsAll(m.sourceLabels().entrySet())
                  && (m.sourceNamespace().isEmpty()
                      || m.sourceNamespace().equals(node.namespace())))
              .toBuilder().addAllVirtualHosts(fallthrough).build());
        } else if (port.protocol().equals("TLS") || port.protocol().equals("HTTPS")) {
          listeners.put(name, ListenerBuilder.tls(name, address(service), port.number(),
              sniRoutes(vs, service, port.number(), registry),
              tcpClusters(vs, service, port.number(), defaultCluster, registry)));
        } else if (!port.protocol().equals("UDP")) {
          listeners.put(name, ListenerBuilder.tcp(name, address(service), port.number(),
              tcpClusters(vs, service, port.number(), defaultCluster, registry)));
        }
      }
    }
    addOutboundTrafficPolicy(registryOnly, listeners, clusters);
    return new OutboundResources(listeners, routeConfigs, clusters, endpoints, byLocality);
  }

  /** Istio's names for where traffic to hosts outside the registry goes. */
  public static final String PASSTHROUGH = "PassthroughCluster";
  public static final String BLACKHOLE = "BlackHoleCluster";
  public static final String VIRTUAL_OUTBOUND = "virtualOutbound";

  /**
   * {@code outboundTrafficPolicy} (the Sidecar's, else the mesh's) in Istio's shape: a
   * {@code virtualOutbound} listener whose TCP proxy goes to {@code PassthroughCluster}
   * (ALLOW_ANY, original destination) or {@code BlackHoleCluster} (REGISTRY_ONLY), both
   * clusters always present. The data path reads it for destinations no listener names.
   */
  private static void addOutboundTrafficPolicy(boolean registryOnly,
      SortedMap<String, Message> listeners, SortedMap<String, Message> clusters) {
    clusters.put(PASSTHROUGH, Cluster.newBuilder().setName(PASSTHROUGH)
        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
        .setConnectTimeout(Protos.duration(ClusterBuilder.DEFAULT_CONNECT_TIMEOUT)).build());
    clusters.put(BLACKHOLE, Cluster.newBuilder().setName(BLACKHOLE)
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Protos.duration(ClusterBuilder.DEFAULT_CONNECT_TIMEOUT)).build());
    String target = registryOnly ? BLACKHOLE : PASSTHROUGH;
    listeners.put(VIRTUAL_OUTBOUND, ListenerBuilder.tcp(VIRTUAL_OUTBOUND, "0.0.0.0", 15001,
        Map.of(target, 1)));
  }

  /** Whether the proxy's {@code outboundTrafficPolicy} (its Sidecar's, else the mesh's) blocks. */
  private static boolean registryOnly(MeshSnapshot snapshot, SidecarScope scope) {
    var mode = scope.sidecar != null && scope.sidecar.outboundTrafficPolicy() != null
        ? scope.sidecar.outboundTrafficPolicy()
        : snapshot.meshConfig().outboundTrafficPolicy();
    return mode == dev.jmesh.controlplane.config.MeshConfig.OutboundTrafficPolicy.REGISTRY_ONLY;
  }

  /**
   * Of several resources for one host, Istio uses the one in the proxy's namespace, then the
   * one in the service's namespace, then the one in the root namespace; ties go to the first.
   */
  private static <T extends dev.jmesh.controlplane.config.ConfigResource> void choose(
      Map<String, T> chosen, String host, T candidate, ProxyNode node, String root,
      ServiceRegistry registry) {
    T current = chosen.get(host);
    MeshService service = registry.service(host);
    String serviceNs = service == null ? null : service.namespace();
    if (current == null || rank(candidate.namespace(), node.namespace(), serviceNs, root)
        < rank(current.namespace(), node.namespace(), serviceNs, root)) {
      chosen.put(host, candidate);
    }
  }

  private static int rank(String ns, String proxyNs, String serviceNs, String root) {
    return ns.equals(proxyNs) ? 0 : ns.equals(serviceNs) ? 1 : ns.equals(root) ? 2 : 3;
  }

  /** {@code reviews:9080} asked by a proxy in {@code default} is the full listener name. */
  private static String alias(String requested, ServiceRegistry registry, ProxyNode node) {
    int colon = requested.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    MeshService s = registry.lookup(requested.substring(0, colon), node.namespace());
    return s == null ? null : ClusterNames.listener(s.hostname(), parsePort(requested, colon));
  }

  private static int parsePort(String name, int colon) {
    try {
      return Integer.parseInt(name.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void addClusters(MeshService service, ServicePort port, DestinationRule rule,
      SortedMap<String, Message> clusters, SortedMap<String, Message> endpoints,
      Map<String, OutboundResources.LocalityCluster> byLocality, String trustDomain,
      boolean autoMtls) {
    List<DestinationRule.Subset> subsets = new ArrayList<>();
    subsets.add(null);
    if (rule != null) {
      subsets.addAll(rule.subsets());
    }
    for (DestinationRule.Subset subset : subsets) {
      List<ServiceEndpoint> selected = new ArrayList<>();
      for (ServiceEndpoint e : service.endpoints()) {
        if (subset == null || e.matches(subset.labels())) {
          selected.add(e);
        }
      }
      Cluster cluster = ClusterBuilder.build(service, port, rule, subset, selected, trustDomain,
          autoMtls);
      clusters.put(cluster.getName(), cluster);
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        LocalityLoadBalancer balancer =
            ClusterBuilder.localityBalancer(rule, subset, port.number());
        if (balancer == null) {
          endpoints.put(cluster.getName(),
              EndpointBuilder.build(cluster.getName(), port.number(), selected));
        } else {
          byLocality.put(cluster.getName(),
              new OutboundResources.LocalityCluster(cluster.getName(), port.number(), selected,
                  balancer));
        }
      }
    }
  }

  private static String clusterFor(VirtualService.Destination d, VirtualService vs,
      MeshService listenerService, int listenerPort, ServiceRegistry registry) {
    String host = ServiceRegistry.qualify(d.host(), vs.namespace());
    return ClusterNames.outbound(destinationPort(d, host, listenerService, listenerPort, registry),
        d.subset(), host);
  }

  /** The port a destination without one means: the listener's, if the target has it. */
  private static int destinationPort(VirtualService.Destination d, String host,
      MeshService listenerService, int listenerPort, ServiceRegistry registry) {
    if (d.port() != 0) {
      return d.port();
    }
    MeshService target = registry.service(host);
    if (host.equals(listenerService.hostname()) || target == null
        || target.port(listenerPort).isPresent() || target.ports().isEmpty()) {
      return listenerPort;
    }
    return target.ports().get(0).number();
  }

  private static List<io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy> hashPolicyFor(
      VirtualService.Destination d, VirtualService vs, Map<String, DestinationRule> rules,
      ServiceRegistry registry, MeshService listenerService, int listenerPort) {
    String host = ServiceRegistry.qualify(d.host(), vs.namespace());
    DestinationRule rule = rules.get(host);
    if (rule == null) {
      return List.of();
    }
    DestinationRule.Subset subset = rule.subsets().stream()
        .filter(s -> s.name().equals(d.subset())).findFirst().orElse(null);
    int port = destinationPort(d, host, listenerService, listenerPort, registry);
    return RouteBuilder.hashPolicy(ClusterBuilder.loadBalancer(rule, subset, port));
  }

  private static String address(MeshService service) {
    return service.addresses().isEmpty() ? "0.0.0.0" : service.addresses().get(0);
  }

  /** VirtualService {@code tls} routes for one port, by their SNI host lists. */
  private static Map<List<String>, Map<String, Integer>> sniRoutes(VirtualService vs,
      MeshService service, int port, ServiceRegistry registry) {
    Map<List<String>, Map<String, Integer>> out = new LinkedHashMap<>();
    if (vs == null) {
      return out;
    }
    for (VirtualService.TlsRoute route : vs.tls()) {
      for (VirtualService.L4Match m : route.match()) {
        if (m.port() != 0 && m.port() != port) {
          continue;
        }
        Map<String, Integer> weighted = new LinkedHashMap<>();
        boolean noWeights = route.route().stream().allMatch(d -> d.weight() == null);
        for (VirtualService.RouteDestination d : route.route()) {
          weighted.merge(clusterFor(d.destination(), vs, service, port, registry),
              noWeights ? 1 : d.weight() == null ? 0 : d.weight(), Integer::sum);
        }
        out.putIfAbsent(m.sniHosts(), weighted);
      }
    }
    return out;
  }

  private static Map<String, Integer> tcpClusters(VirtualService vs, MeshService service,
      int port, String defaultCluster, ServiceRegistry registry) {
    Map<String, Integer> out = new LinkedHashMap<>();
    if (vs != null) {
      for (VirtualService.TcpRoute route : vs.tcp()) {
        boolean applies = route.match().isEmpty()
            || route.match().stream().anyMatch(m -> m.port() == 0 || m.port() == port);
        if (!applies) {
          continue;
        }
        boolean noWeights = route.route().stream().allMatch(d -> d.weight() == null);
        for (VirtualService.RouteDestination d : route.route()) {
          int weight = noWeights ? 1 : d.weight() == null ? 0 : d.weight();
          out.merge(clusterFor(d.destination(), vs, service, port, registry), weight,
              Integer::sum);
        }
        return out;
      }
    }
    out.put(defaultCluster, 1);
    return out;
  }

  /** The names a client in {@code proxyNamespace} may use for the service. */
  private static List<String> domains(MeshService service, int port, String proxyNamespace) {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    String host = service.hostname();
    names.add(host);
    String suffix = ".svc." + ServiceRegistry.DOMAIN_SUFFIX;
    if (host.endsWith(suffix)) {
      String nameNs = host.substring(0, host.length() - suffix.length());
      names.add(nameNs + ".svc");
      names.add(nameNs);
      if (service.namespace().equals(proxyNamespace)) {
        names.add(nameNs.substring(0, nameNs.lastIndexOf('.')));
      }
    }
    names.addAll(service.addresses());
    List<String> out = new ArrayList<>();
    for (String n : names) {
      out.add(n);
      out.add(n + ":" + port);
    }
    return out;
  }

  /** Which services a proxy may see: all, or what its Sidecar's egress hosts allow. */
  private static final class SidecarScope {
    private final Sidecar sidecar;
    private final String proxyNamespace;

    private SidecarScope(Sidecar sidecar, String proxyNamespace) {
      this.sidecar = sidecar;
      this.proxyNamespace = proxyNamespace;
    }

    static SidecarScope of(MeshSnapshot snapshot, ProxyNode node) {
      Sidecar chosen = null;
      Sidecar namespaceDefault = null;
      Sidecar rootDefault = null;
      String root = snapshot.meshConfig().rootNamespace();
      for (Sidecar s : snapshot.sidecars()) {
        if (s.namespace().equals(node.namespace())) {
          if (!s.workloadSelector().isEmpty()
              && node.labels().entrySet().containsAll(s.workloadSelector().entrySet())) {
            chosen = chosen == null ? s : chosen;
          } else if (s.workloadSelector().isEmpty()) {
            namespaceDefault = namespaceDefault == null ? s : namespaceDefault;
          }
        } else if (s.namespace().equals(root) && s.workloadSelector().isEmpty()) {
          rootDefault = rootDefault == null ? s : rootDefault;
        }
      }
      Sidecar s = chosen != null ? chosen : namespaceDefault != null ? namespaceDefault
          : rootDefault;
      return new SidecarScope(s, node.namespace());
    }

    boolean sees(MeshService service) {
      if (!MeshService.exported(service.exportTo(), service.namespace(), proxyNamespace)) {
        return false;
      }
      if (sidecar == null || sidecar.egress().isEmpty()) {
        return true;
      }
      for (Sidecar.Egress egress : sidecar.egress()) {
        for (String entry : egress.hosts()) {
          int slash = entry.indexOf('/');
          String ns = entry.substring(0, slash);
          String host = entry.substring(slash + 1);
          boolean nsOk = ns.equals("*") || (ns.equals(".") ? proxyNamespace : ns)
              .equals(service.namespace());
          if (!nsOk || ns.equals("~")) {
            continue;
          }
          if (host.equals("*") || host.equals(service.hostname())
              || (host.startsWith("*.") && service.hostname().endsWith(host.substring(1)))) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
