package dev.jmesh.controlplane.internal.registry;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.EndpointSlice;
import dev.jmesh.controlplane.config.KubernetesService;
import dev.jmesh.controlplane.config.ServiceEntry;
import dev.jmesh.controlplane.config.ServicePort;
import dev.jmesh.controlplane.config.WorkloadEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The services of the mesh, by fully qualified host name, built from ServiceEntries,
 * WorkloadEntries, Kubernetes Services and EndpointSlices. Immutable.
 *
 * <p>Short names resolve like Istio: {@code reviews} in namespace {@code default} is
 * {@code reviews.default.svc.cluster.local}.
 */
public final class ServiceRegistry {
  /** Istio's default DNS domain of the cluster. */
  public static final String DOMAIN_SUFFIX = "cluster.local";

  /** Label of a WorkloadEntry created by registration: the service it registered for. */
  public static final String REGISTERED_SERVICE_LABEL = "jmesh.dev/service";

  private final Map<String, MeshService> services;

  private ServiceRegistry(Map<String, MeshService> services) {
    this.services = java.util.Collections.unmodifiableMap(services);
  }

  public static ServiceRegistry empty() {
    return new ServiceRegistry(new TreeMap<>());
  }

  /** Services in host name order. */
  public Collection<MeshService> services() {
    return services.values();
  }

  /** The service with exactly this host name, or null. */
  public MeshService service(String hostname) {
    return services.get(hostname);
  }

  /**
   * Resolves a host as written in a resource of {@code namespace}: a name without dots is
   * {@code name.namespace.svc.cluster.local}; anything else is taken as written (Istio's rule).
   */
  public static String qualify(String host, String namespace) {
    if (host.startsWith("*") || host.contains(".")) {
      return host;
    }
    return host + "." + namespace + ".svc." + DOMAIN_SUFFIX;
  }

  /**
   * Finds a service the way a client's resolver with Kubernetes search domains would:
   * {@code reviews}, {@code reviews.default}, {@code reviews.default.svc} or the full name.
   */
  public MeshService lookup(String host, String namespace) {
    MeshService exact = services.get(host);
    if (exact != null) {
      return exact;
    }
    String[] candidates = {
      host + "." + namespace + ".svc." + DOMAIN_SUFFIX,
      host + ".svc." + DOMAIN_SUFFIX,
      host + "." + DOMAIN_SUFFIX
    };
    for (String candidate : candidates) {
      MeshService s = services.get(candidate);
      if (s != null) {
        return s;
      }
    }
    return null;
  }

  /** Builds the registry from accepted resources. */
  public static ServiceRegistry build(Collection<? extends ConfigResource> resources) {
    List<WorkloadEntry> workloads = new ArrayList<>();
    List<EndpointSlice> slices = new ArrayList<>();
    for (ConfigResource r : resources) {
      if (r instanceof WorkloadEntry) {
        workloads.add((WorkloadEntry) r);
      } else if (r instanceof EndpointSlice) {
        slices.add((EndpointSlice) r);
      }
    }
    Map<String, MeshService> services = new TreeMap<>();
    for (ConfigResource r : resources) {
      if (r instanceof ServiceEntry) {
        for (MeshService s : fromServiceEntry((ServiceEntry) r, workloads)) {
          services.putIfAbsent(s.hostname(), s);
        }
      } else if (r instanceof KubernetesService) {
        MeshService s = fromKubernetes((KubernetesService) r, workloads, slices);
        services.putIfAbsent(s.hostname(), s);
      }
    }
    addRegisteredServices(workloads, services);
    return new ServiceRegistry(services);
  }

  /**
   * A workload that registered for a service nobody declared creates it: host
   * {@code service.namespace.svc.cluster.local}, ports as the workloads announced them.
   */
  private static void addRegisteredServices(List<WorkloadEntry> workloads,
      Map<String, MeshService> services) {
    Map<String, List<WorkloadEntry>> byHost = new TreeMap<>();
    for (WorkloadEntry we : workloads) {
      String service = we.meta().labels().get(REGISTERED_SERVICE_LABEL);
      if (service != null) {
        byHost.computeIfAbsent(qualify(service, we.namespace()), h -> new ArrayList<>()).add(we);
      }
    }
    byHost.forEach((host, entries) -> {
      if (services.containsKey(host)) {
        return;
      }
      Map<Integer, ServicePort> ports = new TreeMap<>();
      for (WorkloadEntry we : entries) {
        we.spec().ports().forEach((name, number) -> ports.putIfAbsent(number,
            new ServicePort(number, name, ServicePort.protocolFromName(name, null), 0)));
      }
      List<ServicePort> portList = List.copyOf(ports.values());
      List<ServiceEndpoint> endpoints = new ArrayList<>();
      for (WorkloadEntry we : entries) {
        endpoints.add(endpoint(we, portList,
            "registered " + we.meta().location().file().replace("registration ", "")));
      }
      services.put(host, new MeshService(host, entries.get(0).namespace(), portList, List.of(),
          MeshService.Resolution.STATIC, false, endpoints, "registration", List.of()));
    });
  }

  private static List<MeshService> fromServiceEntry(ServiceEntry se, List<WorkloadEntry> all) {
    List<ServiceEndpoint> endpoints = new ArrayList<>();
    String source = "ServiceEntry " + se.namespace() + "/" + se.name();
    for (WorkloadEntry.Workload w : se.endpoints()) {
      endpoints.add(endpoint(w, se.ports(), source));
    }
    if (!se.workloadSelector().isEmpty()) {
      for (WorkloadEntry we : all) {
        if (we.namespace().equals(se.namespace()) && selects(se.workloadSelector(), we)) {
          endpoints.add(endpoint(we, se.ports(),
              "WorkloadEntry " + we.namespace() + "/" + we.name()));
        }
      }
    }
    MeshService.Resolution resolution;
    switch (se.resolution()) {
      case STATIC:
        resolution = MeshService.Resolution.STATIC;
        break;
      case DNS:
      case DNS_ROUND_ROBIN:
        resolution = MeshService.Resolution.DNS;
        break;
      default:
        resolution = MeshService.Resolution.NONE;
    }
    List<MeshService> out = new ArrayList<>();
    for (String host : se.hosts()) {
      List<ServiceEndpoint> hostEndpoints = endpoints;
      if (resolution == MeshService.Resolution.DNS && endpoints.isEmpty() && !host.startsWith("*")) {
        // DNS resolution without endpoints resolves the host itself.
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        for (ServicePort p : se.ports()) {
          ports.put(p.number(), p.targetPort() > 0 ? p.targetPort() : p.number());
        }
        hostEndpoints = List.of(new ServiceEndpoint(host, ports, Map.of(), "", 1, "", true, source,
            "", ""));
      }
      out.add(new MeshService(host, se.namespace(), se.ports(), se.addresses(), resolution,
          se.location() == ServiceEntry.Location.MESH_EXTERNAL, hostEndpoints, source,
          se.exportTo()));
    }
    return out;
  }

  private static MeshService fromKubernetes(KubernetesService svc, List<WorkloadEntry> all,
      List<EndpointSlice> slices) {
    String host = svc.name() + "." + svc.namespace() + ".svc." + DOMAIN_SUFFIX;
    String source = "Service " + svc.namespace() + "/" + svc.name();
    List<ServiceEndpoint> endpoints = new ArrayList<>();
    for (EndpointSlice slice : slices) {
      if (!slice.namespace().equals(svc.namespace()) || !slice.serviceName().equals(svc.name())) {
        continue;
      }
      Map<Integer, Integer> ports = new LinkedHashMap<>();
      for (ServicePort p : svc.ports()) {
        for (EndpointSlice.Port sp : slice.ports()) {
          if (sp.name().equals(p.name()) || svc.ports().size() == 1) {
            ports.put(p.number(), sp.port());
          }
        }
      }
      // Pods are not read, so a slice carries Istio's tlsMode label for the pods it lists.
      Map<String, String> labels = "istio".equals(
          slice.meta().labels().get(ServiceEndpoint.TLS_MODE_LABEL))
          ? Map.of(ServiceEndpoint.TLS_MODE_LABEL, "istio") : Map.of();
      for (EndpointSlice.Endpoint e : slice.endpoints()) {
        for (String address : e.addresses()) {
          // A slice knows the zone, not the region: Istio's locality is then "/zone".
          String locality = e.zone().isEmpty() ? "" : "/" + e.zone();
          endpoints.add(new ServiceEndpoint(address, ports, labels, locality, 1, "", e.ready(),
              "EndpointSlice " + slice.namespace() + "/" + slice.name(), "", ""));
        }
      }
    }
    if (!svc.selector().isEmpty()) {
      for (WorkloadEntry we : all) {
        if (we.namespace().equals(svc.namespace()) && selects(svc.selector(), we)) {
          endpoints.add(endpoint(we, svc.ports(),
              "WorkloadEntry " + we.namespace() + "/" + we.name()));
        }
      }
    }
    List<String> addresses = svc.clusterIp().isEmpty() || svc.clusterIp().equals("None")
        ? List.of() : List.of(svc.clusterIp());
    return new MeshService(host, svc.namespace(), svc.ports(), addresses,
        MeshService.Resolution.STATIC, false, endpoints, source, List.of());
  }

  private static boolean selects(Map<String, String> selector, WorkloadEntry we) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(we.spec().labels().get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * A WorkloadEntry's endpoint. One registered by jmesh's agent runs a mesh proxy, so it gets
   * the label Istio's injector gives a pod with a sidecar ({@code tlsMode: istio}), which is
   * what auto mTLS looks for.
   */
  private static ServiceEndpoint endpoint(WorkloadEntry we, List<ServicePort> servicePorts,
      String source) {
    // A registered workload names itself by its service (MeshEngine.self), any other by the entry.
    String registered = we.meta().labels().get(REGISTERED_SERVICE_LABEL);
    ServiceEndpoint e = endpoint(we.spec(), servicePorts, source,
        registered != null ? registered : we.name(), we.namespace());
    if (registered == null || e.labels().containsKey(ServiceEndpoint.TLS_MODE_LABEL)) {
      return e;
    }
    Map<String, String> labels = new LinkedHashMap<>(e.labels());
    labels.put(ServiceEndpoint.TLS_MODE_LABEL, "istio");
    return new ServiceEndpoint(e.address(), e.ports(), labels, e.locality(), e.weight(),
        e.serviceAccount(), e.ready(), e.source(), e.workload(), e.workloadNamespace());
  }

  private static ServiceEndpoint endpoint(WorkloadEntry.Workload w, List<ServicePort> servicePorts,
      String source) {
    return endpoint(w, servicePorts, source, "", "");
  }

  private static ServiceEndpoint endpoint(WorkloadEntry.Workload w, List<ServicePort> servicePorts,
      String source, String workload, String workloadNamespace) {
    Map<Integer, Integer> ports = new LinkedHashMap<>();
    for (ServicePort p : servicePorts) {
      Integer named = w.ports().get(p.name());
      ports.put(p.number(), named != null ? named : p.targetPort() > 0 ? p.targetPort() : p.number());
    }
    return new ServiceEndpoint(w.address(), ports, w.labels(), w.locality(),
        Math.max(1, w.weight()), w.serviceAccount(), true, source, workload, workloadNamespace);
  }
}
