package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.UInt32Value;
import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Istio's {@code localityLbSetting} for one proxy: the ClusterLoadAssignment of a cluster as
 * a proxy in a given locality (and with given labels) sees it.
 *
 * <ul>
 *   <li>{@code distribute}: the first entry whose {@code from} matches the proxy's locality
 *       sets the weight of the localities its {@code to} names (a weight shared by the
 *       localities one pattern matches, in proportion to their endpoints); localities it does
 *       not name get no traffic and are left out.
 *   <li>Otherwise, only when the cluster has outlier detection (without it nothing would ever
 *       fail over): {@code failoverPriority} splits endpoints into priorities by how many of
 *       the listed labels they share with the proxy (a {@code name=value} entry compares with
 *       that value instead); and locality priorities — same region, zone and subzone, then
 *       same zone, then same region, then the rest — where {@code failover} puts the region
 *       named for the proxy's region ahead of the other regions. With {@code failoverPriority}
 *       the locality priorities only apply when {@code failover} is also given.
 *   <li>{@code enabled: false} turns all of it off.
 * </ul>
 * Priorities are renumbered to consecutive integers from 0, as Envoy and gRPC require.
 * Endpoint and proxy labels include Istio's topology labels taken from their localities
 * ({@code topology.kubernetes.io/region}, {@code topology.kubernetes.io/zone},
 * {@code topology.istio.io/subzone}), so those can be named in {@code failoverPriority}.
 */
final class LocalityLoadBalancer {
  static final String REGION_LABEL = "topology.kubernetes.io/region";
  static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  static final String SUBZONE_LABEL = "topology.istio.io/subzone";

  private final DestinationRule.LocalityLb setting;
  private final boolean failoverEnabled;

  private LocalityLoadBalancer(DestinationRule.LocalityLb setting, boolean failoverEnabled) {
    this.setting = setting;
    this.failoverEnabled = failoverEnabled;
  }

  /**
   * The balancer for a cluster, or null when its endpoints look the same from every proxy.
   * Without a localityLbSetting, Istio's mesh default (enabled) applies.
   */
  static LocalityLoadBalancer forCluster(DestinationRule.LocalityLb setting,
      boolean outlierDetection) {
    if (setting != null && !setting.enabled()) {
      return null;
    }
    if (setting != null && !setting.distribute().isEmpty()) {
      return new LocalityLoadBalancer(setting, false);
    }
    if (!outlierDetection) {
      return null;
    }
    return new LocalityLoadBalancer(setting == null
        ? new DestinationRule.LocalityLb(true, List.of(), List.of(), List.of()) : setting, true);
  }

  boolean distributes() {
    return !setting.distribute().isEmpty();
  }

  /** The names of the labels failoverPriority compares, when it applies. */
  List<String> priorityLabels() {
    if (distributes() || setting.failoverPriority().isEmpty()) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (String entry : setting.failoverPriority()) {
      names.add(entry.split("=", 2)[0]);
    }
    return names;
  }

  /**
   * What of the proxy this balancer looks at, so proxies that agree on it share one answer:
   * the locality, and the values of the failoverPriority labels.
   */
  String proxyKey(String proxyLocality, Map<String, String> proxyLabels) {
    List<String> names = priorityLabels();
    if (names.isEmpty()) {
      return proxyLocality;
    }
    Map<String, String> labels = withTopology(proxyLabels, proxyLocality);
    StringBuilder key = new StringBuilder(proxyLocality);
    for (String name : names) {
      key.append('|').append(labels.get(name));
    }
    return key.toString();
  }

  /** The assignment one proxy gets. */
  ClusterLoadAssignment assignment(String clusterName, int servicePort,
      List<ServiceEndpoint> endpoints, String proxyLocality, Map<String, String> proxyLabels) {
    List<Group> groups = new ArrayList<>();
    Map<String, Group> byLocality = new TreeMap<>();
    for (ServiceEndpoint e : endpoints) {
      if (e.ports().containsKey(servicePort)) {
        byLocality.computeIfAbsent(e.locality(), Group::new).endpoints.add(e);
      }
    }
    groups.addAll(byLocality.values());
    if (distributes()) {
      groups = distribute(groups, proxyLocality);
    } else if (failoverEnabled) {
      Map<String, String> labels = withTopology(proxyLabels, proxyLocality);
      if (!setting.failoverPriority().isEmpty()) {
        if (!labels.isEmpty()) {
          groups = byLabelPriority(groups, labels);
        }
        if (!setting.failover().isEmpty()) {
          byLocalityPriority(groups, proxyLocality);
        }
      } else {
        byLocalityPriority(groups, proxyLocality);
      }
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder()
        .setClusterName(clusterName);
    for (Group g : groups) {
      LocalityLbEndpoints.Builder out = EndpointBuilder.locality(g.locality)
          .setPriority(g.priority)
          .setLoadBalancingWeight(UInt32Value.of(g.weight()));
      for (ServiceEndpoint e : g.endpoints) {
        out.addLbEndpoints(EndpointBuilder.lbEndpoint(e, e.ports().get(servicePort)));
      }
      cla.addEndpoints(out);
    }
    return cla.build();
  }

  private List<Group> distribute(List<Group> groups, String proxyLocality) {
    for (DestinationRule.Distribute d : setting.distribute()) {
      if (!matches(proxyLocality, d.from())) {
        continue;
      }
      List<Group> out = new ArrayList<>();
      List<Group> unassigned = new ArrayList<>(groups);
      for (Map.Entry<String, Integer> to : d.to().entrySet()) {
        List<Group> matched = new ArrayList<>();
        long total = 0;
        for (Group g : unassigned) {
          if (matches(g.locality, to.getKey())) {
            matched.add(g);
            total += g.weight();
          }
        }
        unassigned.removeAll(matched);
        for (Group g : matched) {
          g.weightOverride = (int) Math.ceil((double) g.weight() * to.getValue() / total);
          out.add(g);
        }
      }
      out.sort(java.util.Comparator.comparing(g -> g.locality));
      return out;
    }
    return groups;
  }

  private List<Group> byLabelPriority(List<Group> groups, Map<String, String> proxyLabels) {
    List<String> names = new ArrayList<>();
    Map<String, String> overrides = new HashMap<>();
    for (String entry : setting.failoverPriority()) {
      String[] kv = entry.split("=", 2);
      names.add(kv[0]);
      if (kv.length == 2) {
        overrides.put(kv[0], kv[1]);
      }
    }
    List<Group> out = new ArrayList<>();
    for (Group g : groups) {
      Map<Integer, Group> split = new TreeMap<>();
      for (ServiceEndpoint e : g.endpoints) {
        Map<String, String> labels = withTopology(e.labels(), e.locality());
        int priority = 0;
        for (int j = 0; j < names.size(); j++) {
          String name = names.get(j);
          String wanted = overrides.getOrDefault(name, proxyLabels.getOrDefault(name, ""));
          if (!wanted.equals(labels.getOrDefault(name, ""))) {
            priority = names.size() - j;
            break;
          }
        }
        split.computeIfAbsent(priority, p -> new Group(g.locality, p)).endpoints.add(e);
      }
      out.addAll(split.values());
    }
    renumber(out);
    return out;
  }

  private void byLocalityPriority(List<Group> groups, String proxyLocality) {
    String proxyRegion = part(proxyLocality, 0);
    for (Group g : groups) {
      int p = priority(proxyLocality, g.locality);
      if (p == 3) {
        for (DestinationRule.Failover f : setting.failover()) {
          if (f.from().equals(proxyRegion)) {
            if (!part(g.locality, 0).equals(f.to())) {
              p = 4;
            }
            break;
          }
        }
      }
      // Label priorities (at most 5 locality priorities each) stay ahead of locality ones.
      g.priority = g.priority * 5 + p;
    }
    renumber(groups);
  }

  private static void renumber(List<Group> groups) {
    TreeSet<Integer> used = new TreeSet<>();
    groups.forEach(g -> used.add(g.priority));
    List<Integer> order = new ArrayList<>(used);
    groups.forEach(g -> g.priority = order.indexOf(g.priority));
  }

  /** Istio's LbPriority: 0 same subzone, 1 same zone, 2 same region, 3 other region. */
  static int priority(String proxy, String endpoint) {
    if (!part(proxy, 0).equals(part(endpoint, 0))) {
      return 3;
    }
    if (!part(proxy, 1).equals(part(endpoint, 1))) {
      return 2;
    }
    return part(proxy, 2).equals(part(endpoint, 2)) ? 0 : 1;
  }

  /** Istio's LocalityMatch: {@code *} matches any part, a missing zone or subzone too. */
  static boolean matches(String locality, String rule) {
    String region = part(rule, 0);
    String zone = part(rule, 1);
    String subzone = part(rule, 2);
    return (region.equals("*") || region.equals(part(locality, 0)))
        && (zone.equals("*") || zone.isEmpty() || zone.equals(part(locality, 1)))
        && (subzone.equals("*") || subzone.isEmpty() || subzone.equals(part(locality, 2)));
  }

  private static String part(String locality, int i) {
    String[] parts = locality.split("/", -1);
    return i < parts.length ? parts[i] : "";
  }

  /** Labels plus the topology labels of the locality, where not set already. */
  static Map<String, String> withTopology(Map<String, String> labels, String locality) {
    if (locality.isEmpty()) {
      return labels;
    }
    Map<String, String> out = new HashMap<>(labels);
    putIfPresent(out, REGION_LABEL, part(locality, 0));
    putIfPresent(out, ZONE_LABEL, part(locality, 1));
    putIfPresent(out, SUBZONE_LABEL, part(locality, 2));
    return out;
  }

  private static void putIfPresent(Map<String, String> labels, String name, String value) {
    if (!value.isEmpty()) {
      labels.putIfAbsent(name, value);
    }
  }

  /** The endpoints of one locality at one priority. */
  private static final class Group {
    final String locality;
    final List<ServiceEndpoint> endpoints = new ArrayList<>();
    int priority;
    Integer weightOverride;

    Group(String locality) {
      this(locality, 0);
    }

    Group(String locality, int priority) {
      this.locality = locality;
      this.priority = priority;
    }

    /** Like Istio, a locality weighs what its endpoints weigh, unless distribute says. */
    int weight() {
      if (weightOverride != null) {
        return weightOverride;
      }
      int w = 0;
      for (ServiceEndpoint e : endpoints) {
        w += e.weight();
      }
      return w;
    }
  }
}
