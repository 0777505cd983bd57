package dev.jmesh.controlplane.internal.config;

import static dev.jmesh.controlplane.internal.config.Fields.fail;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.config.ServiceEntry;
import dev.jmesh.controlplane.config.ServicePort;
import dev.jmesh.controlplane.config.Sidecar;
import dev.jmesh.controlplane.config.WorkloadEntry;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses {@code networking.istio.io} kinds other than VirtualService. */
final class NetworkingParser {
  private NetworkingParser() {}

  static ConfigResource serviceEntry(ResourceMeta meta, YamlNode spec) {
    List<String> hosts = spec.get("hosts").texts("hosts");
    if (hosts.isEmpty()) {
      throw fail(spec, "hosts: at least one host is required");
    }
    List<ServicePort> ports = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    for (YamlNode p : spec.get("ports").items("ports")) {
      int number = Fields.port(p.get("number"), "ports.number");
      if (number == 0) {
        throw fail(p, "ports: number is required");
      }
      if (!seen.add(number)) {
        throw fail(p, "ports: port " + number + " is declared twice");
      }
      String name = p.get("name").text("ports.name", "");
      ports.add(
          new ServicePort(
              number,
              name,
              ServicePort.protocolFromName(name, p.get("protocol").text("ports.protocol")),
              Fields.port(p.get("targetPort"), "ports.targetPort")));
    }
    ServiceEntry.Resolution resolution =
        Fields.enumValue(
            spec.get("resolution"), "resolution", ServiceEntry.Resolution.class,
            ServiceEntry.Resolution.NONE);
    List<WorkloadEntry.Workload> endpoints = new ArrayList<>();
    for (YamlNode e : spec.get("endpoints").items("endpoints")) {
      WorkloadEntry.Workload w = workload(e, "endpoints");
      for (String portName : w.ports().keySet()) {
        if (ports.stream().noneMatch(p -> p.name().equals(portName))) {
          throw fail(
              e, "endpoints: port name '" + portName + "' is not the name of any port in ports");
        }
      }
      endpoints.add(w);
    }
    if (resolution == ServiceEntry.Resolution.STATIC) {
      for (WorkloadEntry.Workload w : endpoints) {
        if (!w.address().isEmpty() && !SecurityParser.isCidr(w.address())
            && !w.address().startsWith("unix://")) {
          throw new dev.jmesh.controlplane.internal.yaml.YamlTypeException(w.line(),
              "endpoints: address '" + w.address() + "' is not an IP address; STATIC resolution"
                  + " needs IPs (use resolution: DNS for host names)");
        }
      }
    }
    if (resolution == ServiceEntry.Resolution.DNS || resolution == ServiceEntry.Resolution
        .DNS_ROUND_ROBIN) {
      for (String h : hosts) {
        if (h.startsWith("*") && endpoints.isEmpty()) {
          throw fail(spec.get("hosts"), "hosts: wildcard host " + h + " cannot be resolved by DNS;"
              + " give endpoints or use resolution: NONE");
        }
      }
    }
    YamlNode selector = spec.get("workloadSelector");
    if (selector.isPresent() && !endpoints.isEmpty()) {
      throw fail(selector, "workloadSelector and endpoints cannot both be given");
    }
    return new ServiceEntry(
        meta,
        hosts,
        spec.get("addresses").texts("addresses"),
        ports,
        Fields.enumValue(
            spec.get("location"), "location", ServiceEntry.Location.class,
            ServiceEntry.Location.MESH_EXTERNAL),
        resolution,
        endpoints,
        Fields.labels(selector, "labels", "workloadSelector.labels"),
        spec.get("exportTo").texts("exportTo"));
  }

  static ConfigResource workloadEntry(ResourceMeta meta, YamlNode spec) {
    return new WorkloadEntry(meta, workload(spec, "spec"));
  }

  static WorkloadEntry.Workload workload(YamlNode node, String what) {
    String address = node.get("address").text(what + ".address", "");
    if (address.isEmpty() && node.get("network").isMissing()) {
      throw fail(node, what + ": address is required");
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> p : node.get("ports").entries(what + ".ports").entrySet()) {
      int number = Fields.port(p.getValue(), what + ".ports." + p.getKey());
      ports.put(p.getKey(), number);
    }
    int weight = node.get("weight").intValue(what + ".weight", 0);
    if (weight < 0) {
      throw fail(node.get("weight"), what + ".weight: must not be negative");
    }
    return new WorkloadEntry.Workload(
        address,
        ports,
        node.get("labels").stringMap(what + ".labels"),
        node.get("network").text(what + ".network", ""),
        node.get("locality").text(what + ".locality", ""),
        weight,
        node.get("serviceAccount").text(what + ".serviceAccount", ""),
        node.line());
  }

  static ConfigResource destinationRule(ResourceMeta meta, YamlNode spec) {
    YamlNode hostNode = spec.get("host");
    String host = hostNode.requiredText("host");
    List<DestinationRule.Subset> subsets = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (YamlNode s : spec.get("subsets").items("subsets")) {
      String name = s.get("name").requiredText("subsets.name");
      if (!names.add(name)) {
        throw fail(s, "subsets: subset " + name + " is defined twice");
      }
      subsets.add(
          new DestinationRule.Subset(
              name,
              s.get("labels").stringMap("subsets.labels"),
              trafficPolicy(s.get("trafficPolicy"), "subsets." + name + ".trafficPolicy"),
              s.line()));
    }
    return new DestinationRule(
        meta,
        host,
        trafficPolicy(spec.get("trafficPolicy"), "trafficPolicy"),
        subsets,
        spec.get("exportTo").texts("exportTo"),
        hostNode.line());
  }

  private static DestinationRule.TrafficPolicy trafficPolicy(YamlNode node, String what) {
    if (node.isMissing()) {
      return DestinationRule.TrafficPolicy.NONE;
    }
    List<DestinationRule.PortTrafficPolicy> ports = new ArrayList<>();
    for (YamlNode p : node.get("portLevelSettings").items(what + ".portLevelSettings")) {
      String w = what + ".portLevelSettings";
      int port = Fields.port(p.path("port", "number"), w + ".port.number");
      if (port == 0) {
        throw fail(p, w + ": port.number is required");
      }
      ports.add(
          new DestinationRule.PortTrafficPolicy(
              port,
              loadBalancer(p.get("loadBalancer"), w + ".loadBalancer"),
              connectionPool(p.get("connectionPool"), w + ".connectionPool"),
              outlierDetection(p.get("outlierDetection"), w + ".outlierDetection"),
              tls(p.get("tls"), w + ".tls")));
    }
    return new DestinationRule.TrafficPolicy(
        loadBalancer(node.get("loadBalancer"), what + ".loadBalancer"),
        connectionPool(node.get("connectionPool"), what + ".connectionPool"),
        outlierDetection(node.get("outlierDetection"), what + ".outlierDetection"),
        tls(node.get("tls"), what + ".tls"),
        ports);
  }

  private static final Set<String> SIMPLE_LB =
      Set.of("UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST");

  private static DestinationRule.LoadBalancer loadBalancer(YamlNode node, String what) {
    if (node.isMissing()) {
      return null;
    }
    String simple = node.get("simple").text(what + ".simple");
    if (simple != null && !SIMPLE_LB.contains(simple)) {
      throw fail(
          node.get("simple"),
          what + ".simple: '" + simple + "' is not one of " + new java.util.TreeSet<>(SIMPLE_LB));
    }
    YamlNode ch = node.get("consistentHash");
    DestinationRule.ConsistentHash hash = null;
    if (ch.isPresent()) {
      if (simple != null) {
        throw fail(node, what + ": give either simple or consistentHash, not both");
      }
      YamlNode cookie = ch.get("httpCookie");
      String w = what + ".consistentHash";
      String header = ch.get("httpHeaderName").text(w + ".httpHeaderName");
      String query = ch.get("httpQueryParameterName").text(w + ".httpQueryParameterName");
      boolean sourceIp = ch.get("useSourceIp").boolValue(w + ".useSourceIp", false);
      int keys =
          (header != null ? 1 : 0)
              + (query != null ? 1 : 0)
              + (sourceIp ? 1 : 0)
              + (cookie.isPresent() ? 1 : 0);
      if (keys != 1) {
        throw fail(
            ch,
            w + ": give exactly one of httpHeaderName, httpCookie, useSourceIp,"
                + " httpQueryParameterName");
      }
      long ringSize = 0;
      YamlNode ring = ch.get("ringHash");
      if (ring.isPresent()) {
        // ringHash: {} asks for a ring of Envoy's default size, like no minimumRingSize at all.
        Long minimum = ring.get("minimumRingSize").longValue(w + ".ringHash.minimumRingSize");
        ringSize = minimum == null ? 0 : minimum;
      } else if (ch.get("minimumRingSize").isPresent()) {
        ringSize = ch.get("minimumRingSize").longValue(w + ".minimumRingSize");
      }
      YamlNode maglev = ch.get("maglev");
      hash =
          new DestinationRule.ConsistentHash(
              header,
              cookie.isPresent() ? cookie.get("name").requiredText(w + ".httpCookie.name") : null,
              cookie.get("path").text(w + ".httpCookie.path"),
              Durations.read(cookie.get("ttl"), w + ".httpCookie.ttl"),
              sourceIp,
              query,
              ringSize,
              maglev.isPresent(),
              maglev.isPresent() ? maglev.get("tableSize").intValue(w + ".maglev.tableSize", 0) : 0);
    }
    YamlNode locality = node.get("localityLbSetting");
    DestinationRule.LocalityLb localityLb =
        locality.isPresent() ? localityLb(locality, what + ".localityLbSetting") : null;
    return new DestinationRule.LoadBalancer(
        simple, hash, Durations.read(node.get("warmupDurationSecs"), what + ".warmupDurationSecs"),
        localityLb);
  }

  /** Istio's localityLbSetting with the checks of its validation webhook. */
  private static DestinationRule.LocalityLb localityLb(YamlNode node, String what) {
    List<DestinationRule.Distribute> distribute = new ArrayList<>();
    for (YamlNode d : node.get("distribute").items(what + ".distribute")) {
      String from = d.get("from").requiredText(what + ".distribute.from");
      checkLocality(d.get("from"), from, what + ".distribute.from");
      Map<String, Integer> to = new java.util.LinkedHashMap<>();
      int total = 0;
      for (Map.Entry<String, YamlNode> e : d.get("to").entries(what + ".distribute.to")
          .entrySet()) {
        String w = what + ".distribute.to." + e.getKey();
        checkLocality(e.getValue(), e.getKey(), w);
        int weight = e.getValue().intValue(w, 0);
        if (weight < 1 || weight > 100) {
          throw fail(e.getValue(), w + ": weight " + weight + " is not in 1-100");
        }
        to.put(e.getKey(), weight);
        total += weight;
      }
      if (total != 100) {
        throw fail(d, what + ".distribute: the weights of 'to' add up to " + total
            + ", not 100");
      }
      distribute.add(new DestinationRule.Distribute(from, to));
    }
    List<DestinationRule.Failover> failover = new ArrayList<>();
    for (YamlNode f : node.get("failover").items(what + ".failover")) {
      String from = f.get("from").requiredText(what + ".failover.from");
      String to = f.get("to").requiredText(what + ".failover.to");
      if (from.contains("/") || to.contains("/") || from.contains("*") || to.contains("*")) {
        throw fail(f, what + ".failover: from and to are regions, without '/' or '*' ('"
            + from + "' -> '" + to + "')");
      }
      if (from.equals(to)) {
        throw fail(f, what + ".failover: from and to are the same region '" + from + "'");
      }
      failover.add(new DestinationRule.Failover(from, to));
    }
    if (!distribute.isEmpty() && !failover.isEmpty()) {
      throw fail(node, what + ": give either distribute or failover, not both");
    }
    return new DestinationRule.LocalityLb(
        node.get("enabled").boolValue(what + ".enabled", true),
        distribute,
        failover,
        node.get("failoverPriority").texts(what + ".failoverPriority"));
  }

  /** {@code region/zone/subzone}, where {@code *} may only stand for the last part given. */
  private static void checkLocality(YamlNode at, String locality, String what) {
    String[] parts = locality.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      if (parts.length > 3 || parts[i].isEmpty()
          || parts[i].contains("*") && (!parts[i].equals("*") || i != parts.length - 1)) {
        throw fail(at, what + ": '" + locality + "' is not a locality (region, region/zone or"
            + " region/zone/subzone; '*' only as the last part)");
      }
    }
  }

  private static DestinationRule.ConnectionPool connectionPool(YamlNode node, String what) {
    if (node.isMissing()) {
      return null;
    }
    YamlNode tcp = node.get("tcp");
    YamlNode http = node.get("http");
    return new DestinationRule.ConnectionPool(
        tcp.get("maxConnections").intValue(what + ".tcp.maxConnections", 0),
        Durations.read(tcp.get("connectTimeout"), what + ".tcp.connectTimeout"),
        http.get("http1MaxPendingRequests").intValue(what + ".http.http1MaxPendingRequests", 0),
        http.get("http2MaxRequests").intValue(what + ".http.http2MaxRequests", 0),
        http.get("maxRequestsPerConnection").intValue(what + ".http.maxRequestsPerConnection", 0),
        http.get("maxRetries").intValue(what + ".http.maxRetries", 0),
        Durations.read(http.get("idleTimeout"), what + ".http.idleTimeout"),
        http.get("h2UpgradePolicy").text(what + ".http.h2UpgradePolicy", ""));
  }

  private static DestinationRule.OutlierDetection outlierDetection(YamlNode node, String what) {
    if (node.isMissing()) {
      return null;
    }
    Integer consecutive5xx = optionalInt(node.get("consecutive5xxErrors"), what);
    if (consecutive5xx == null) {
      // The field's name before Istio 1.5.
      consecutive5xx = optionalInt(node.get("consecutiveErrors"), what);
    }
    Integer maxEjection = optionalInt(node.get("maxEjectionPercent"), what);
    if (maxEjection != null && (maxEjection < 0 || maxEjection > 100)) {
      throw fail(node.get("maxEjectionPercent"), what + ".maxEjectionPercent: must be 0-100");
    }
    return new DestinationRule.OutlierDetection(
        consecutive5xx,
        optionalInt(node.get("consecutiveGatewayErrors"), what),
        optionalInt(node.get("consecutiveLocalOriginFailures"), what),
        node.get("splitExternalLocalOriginErrors").boolValue(what, false),
        Durations.read(node.get("interval"), what + ".interval"),
        Durations.read(node.get("baseEjectionTime"), what + ".baseEjectionTime"),
        maxEjection,
        optionalInt(node.get("minHealthPercent"), what));
  }

  private static Integer optionalInt(YamlNode node, String what) {
    if (node.isMissing()) {
      return null;
    }
    int v = node.intValue(what, 0);
    if (v < 0) {
      throw fail(node, what + ": must not be negative");
    }
    return v;
  }

  private static final Set<String> TLS_MODES = Set.of("DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL");

  private static DestinationRule.ClientTls tls(YamlNode node, String what) {
    if (node.isMissing()) {
      return null;
    }
    String mode = node.get("mode").text(what + ".mode", "DISABLE");
    if (!TLS_MODES.contains(mode)) {
      throw fail(
          node.get("mode"),
          what + ".mode: '" + mode + "' is not one of " + new java.util.TreeSet<>(TLS_MODES));
    }
    return new DestinationRule.ClientTls(
        mode, node.get("sni").text(what + ".sni", ""),
        node.get("subjectAltNames").texts(what + ".subjectAltNames"));
  }

  static ConfigResource sidecar(ResourceMeta meta, YamlNode spec) {
    List<Sidecar.Egress> egress = new ArrayList<>();
    for (YamlNode e : spec.get("egress").items("egress")) {
      List<String> hosts = e.get("hosts").texts("egress.hosts");
      if (hosts.isEmpty()) {
        throw fail(e, "egress: hosts is required");
      }
      for (String h : hosts) {
        int slash = h.indexOf('/');
        if (slash <= 0 || slash == h.length() - 1) {
          throw fail(
              e.get("hosts"),
              "egress.hosts: '" + h + "' must be namespace/host (e.g. ./* or istio-system/*)");
        }
      }
      egress.add(
          new Sidecar.Egress(
              Fields.port(e.path("port", "number"), "egress.port.number"),
              e.get("bind").text("egress.bind", ""),
              hosts,
              e.line()));
    }
    return new Sidecar(
        meta,
        Fields.labels(spec.get("workloadSelector"), "labels", "workloadSelector.labels"),
        egress,
        Fields.enumValue(
            spec.path("outboundTrafficPolicy", "mode"), "outboundTrafficPolicy.mode",
            MeshConfig.OutboundTrafficPolicy.class, null));
  }
}
