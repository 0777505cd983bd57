package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.Sidecar;
import dev.jmesh.controlplane.config.VirtualService;
import dev.jmesh.controlplane.config.VirtualService.Destination;
import dev.jmesh.controlplane.config.VirtualService.RouteDestination;
import dev.jmesh.controlplane.internal.registry.MeshService;
import dev.jmesh.controlplane.internal.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks that resources fit together, like {@code istioctl analyze}: destinations name known
 * hosts, subsets exist, ports exist, and no two resources claim the same thing.
 */
final class ConfigValidator {
  private ConfigValidator() {}

  /**
   * Checks DestinationRules and Sidecars; returns the diagnostics. Resources are visited in id
   * order, so of two conflicting resources the later one is reported.
   */
  static List<Diagnostic> checkPolicies(List<ConfigResource> resources, ServiceRegistry registry,
      dev.jmesh.controlplane.config.MeshConfig mesh) {
    List<Diagnostic> out = new ArrayList<>();
    java.util.Set<String> providers = new java.util.TreeSet<>(BUILT_IN_PROVIDERS);
    mesh.extensionProviders().forEach(p -> providers.add(p.name()));
    Map<String, DestinationRule> ruleByHost = new HashMap<>();
    Map<String, Sidecar> defaultSidecar = new HashMap<>();
    for (ConfigResource r : resources) {
      if (r instanceof DestinationRule) {
        DestinationRule dr = (DestinationRule) r;
        String host = ServiceRegistry.qualify(dr.host(), dr.namespace());
        // Istio lets each namespace have its own rule for a host (the client's namespace
        // wins); two in one namespace conflict.
        DestinationRule first = ruleByHost.putIfAbsent(dr.namespace() + "/" + host, dr);
        if (first != null) {
          out.add(Diagnostic.error(dr.meta().location().atLine(dr.hostLine()), dr.id(),
              "host " + dr.host() + " already has DestinationRule " + first.name()
                  + " in namespace " + dr.namespace() + " (" + first.meta().location()
                  + "); only one applies, merge their subsets"));
        } else if (!host.startsWith("*") && registry.service(host) == null) {
          out.add(Diagnostic.warning(dr.meta().location().atLine(dr.hostLine()), dr.id(),
              "host " + dr.host() + " is not defined by any ServiceEntry or Service;"
                  + " the rule has no effect"));
        }
      } else if (r instanceof dev.jmesh.controlplane.config.Telemetry) {
        var t = (dev.jmesh.controlplane.config.Telemetry) r;
        t.tracing().forEach(x -> checkProviders(t, x.providers(), x.line(), providers, out));
        t.tracing().forEach(x -> checkTracing(t, x, mesh, out));
        t.accessLogging().forEach(x -> checkProviders(t, x.providers(), x.line(), providers, out));
        t.accessLogging().forEach(x -> checkAccessLogging(t, x, mesh, out));
        t.metrics().forEach(x -> checkProviders(t, x.providers(), x.line(), providers, out));
      } else if (r instanceof dev.jmesh.controlplane.config.AuthorizationPolicy) {
        var ap = (dev.jmesh.controlplane.config.AuthorizationPolicy) r;
        if (!ap.provider().isEmpty() && !providers.contains(ap.provider())) {
          checkProviders(ap, List.of(ap.provider()), ap.meta().location().line(), providers, out);
        }
      } else if (r instanceof Sidecar) {
        Sidecar sc = (Sidecar) r;
        if (sc.workloadSelector().isEmpty()) {
          Sidecar first = defaultSidecar.putIfAbsent(sc.namespace(), sc);
          if (first != null) {
            out.add(Diagnostic.error(sc.meta().location(), sc.id(),
                "namespace " + sc.namespace() + " already has a Sidecar without workloadSelector ("
                    + first.name() + ", " + first.meta().location() + "); keep only one"));
          }
        }
      }
    }
    return out;
  }

  /** Providers Istio has without any {@code extensionProviders} entry. */
  static final java.util.Set<String> BUILT_IN_PROVIDERS = java.util.Set.of("prometheus", "envoy");

  /**
   * What of an {@code accessLogging} entry jmesh does not do: providers that write no file log
   * (only the built-in {@code envoy} and {@code envoyFileAccessLog} do) and a CEL filter.
   */
  private static void checkAccessLogging(ConfigResource r,
      dev.jmesh.controlplane.config.Telemetry.AccessLogging entry,
      dev.jmesh.controlplane.config.MeshConfig mesh, List<Diagnostic> out) {
    for (var p : mesh.extensionProviders()) {
      if (entry.providers().contains(p.name()) && !p.type().equals("envoyFileAccessLog")) {
        out.add(Diagnostic.warning(r.meta().location().atLine(entry.line()), r.id(),
            "accessLogging provider " + p.name() + " is an " + p.type() + ", which writes no"
                + " access log in jmesh; use envoy or an envoyFileAccessLog provider"));
      }
    }
    if (!entry.filter().isEmpty()) {
      out.add(Diagnostic.warning(r.meta().location().atLine(entry.line()), r.id(),
          "accessLogging.filter is not applied: every request is logged"));
    }
  }

  /**
   * What of a {@code tracing} entry jmesh does not do: providers other than {@code opentelemetry}
   * (Zipkin, Datadog...) trace nothing, only the first provider is used (as in Istio), and custom
   * tags other than literals are not written.
   */
  private static void checkTracing(ConfigResource r,
      dev.jmesh.controlplane.config.Telemetry.Tracing entry,
      dev.jmesh.controlplane.config.MeshConfig mesh, List<Diagnostic> out) {
    for (var p : mesh.extensionProviders()) {
      if (entry.providers().contains(p.name()) && !p.type().equals("opentelemetry")) {
        out.add(Diagnostic.warning(r.meta().location().atLine(entry.line()), r.id(),
            "tracing provider " + p.name() + " is a " + p.type() + ", which jmesh does not"
                + " export to; use an opentelemetry provider"));
      }
    }
    if (entry.providers().size() > 1) {
      out.add(Diagnostic.warning(r.meta().location().atLine(entry.line()), r.id(),
          "tracing names " + entry.providers().size() + " providers; only the first, "
              + entry.providers().get(0) + ", is used (as in Istio)"));
    }
  }

  private static void checkProviders(ConfigResource r, List<String> names, int line,
      java.util.Set<String> known, List<Diagnostic> out) {
    for (String name : names) {
      if (!known.contains(name)) {
        out.add(Diagnostic.error(r.meta().location().atLine(line), r.id(),
            "provider " + name + " is not defined in mesh.yaml extensionProviders (known: "
                + String.join(", ", known) + ")"));
      }
    }
  }

  /** Checks VirtualServices against the registry and the accepted DestinationRules. */
  static List<Diagnostic> checkRoutes(List<ConfigResource> resources, ServiceRegistry registry,
      List<DestinationRule> rules) {
    Map<String, List<DestinationRule>> ruleByHost = new HashMap<>();
    for (DestinationRule dr : rules) {
      ruleByHost.computeIfAbsent(ServiceRegistry.qualify(dr.host(), dr.namespace()),
          h -> new ArrayList<>()).add(dr);
    }
    List<Diagnostic> out = new ArrayList<>();
    Map<String, VirtualService> routedHosts = new HashMap<>();
    for (ConfigResource r : resources) {
      if (!(r instanceof VirtualService)) {
        continue;
      }
      VirtualService vs = (VirtualService) r;
      if (vs.gateways().isEmpty() || vs.gateways().contains("mesh")) {
        for (String h : vs.hosts()) {
          String host = ServiceRegistry.qualify(h, vs.namespace());
          VirtualService first = routedHosts.putIfAbsent(vs.namespace() + "/" + host, vs);
          if (first != null && first != vs) {
            out.add(Diagnostic.error(vs.meta().location(), vs.id(),
                "host " + h + " is already routed by VirtualService " + first.name() + " ("
                    + first.meta().location() + "); Istio applies only one, merge their routes"));
          }
        }
      }
      for (VirtualService.HttpRoute route : vs.http()) {
        for (RouteDestination d : route.route()) {
          checkDestination(vs, d.destination(), registry, ruleByHost, out);
        }
        if (route.mirror() != null) {
          checkDestination(vs, route.mirror(), registry, ruleByHost, out);
        }
      }
      for (VirtualService.TcpRoute route : vs.tcp()) {
        for (RouteDestination d : route.route()) {
          checkDestination(vs, d.destination(), registry, ruleByHost, out);
        }
      }
      for (VirtualService.TlsRoute route : vs.tls()) {
        for (RouteDestination d : route.route()) {
          checkDestination(vs, d.destination(), registry, ruleByHost, out);
        }
      }
    }
    return out;
  }

  private static void checkDestination(VirtualService vs, Destination d, ServiceRegistry registry,
      Map<String, List<DestinationRule>> ruleByHost, List<Diagnostic> out) {
    String host = ServiceRegistry.qualify(d.host(), vs.namespace());
    var location = vs.meta().location().atLine(d.line());
    MeshService service = registry.service(host);
    if (service == null) {
      out.add(Diagnostic.error(location, vs.id(),
          "host " + d.host() + " is not defined by any ServiceEntry or Service"
              + (host.equals(d.host()) ? "" : " (looked for " + host + ")")
              + "; add one or correct the host"));
      return;
    }
    if (d.port() != 0 && service.port(d.port()).isEmpty()) {
      out.add(Diagnostic.error(location, vs.id(),
          "port " + d.port() + " is not a port of " + host + " (it has "
              + service.ports().stream().map(p -> String.valueOf(p.number()))
                  .collect(Collectors.joining(", ")) + ")"));
    }
    if (!d.subset().isEmpty()) {
      List<DestinationRule> candidates = ruleByHost.getOrDefault(host, List.of());
      boolean defined = candidates.stream().anyMatch(r -> r.subsets().stream()
          .anyMatch(s -> s.name().equals(d.subset())));
      DestinationRule dr = candidates.isEmpty() ? null : candidates.get(0);
      if (!defined) {
        out.add(Diagnostic.error(vs.meta().location().atLine(d.subsetLine()), vs.id(),
            "subset " + d.subset() + " is not defined by any DestinationRule for host " + d.host()
                + (dr == null ? "; add a DestinationRule with this subset"
                    : "; DestinationRule " + dr.name() + " defines "
                        + dr.subsets().stream().map(DestinationRule.Subset::name)
                            .collect(Collectors.joining(", ")))));
      }
    }
  }
}
