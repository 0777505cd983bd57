package dev.jmesh.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code mesh config}: one workload's xDS resources from /debug/config_dump, as istioctl
 * proxy-config prints them. Reads Envoy's proto JSON by field name, so a field the control plane
 * leaves out (proto3 defaults) shows as "-".
 */
final class ProxyConfigView {

  static final List<String> SECTIONS =
      List.of("listeners", "routes", "clusters", "endpoints", "secrets");

  private static final String HCM = "HttpConnectionManager";
  private static final String TCP_PROXY = "TcpProxy";

  private final Map<String, Object> dump;

  ProxyConfigView(Map<String, Object> dump) {
    this.dump = dump;
  }

  Table table(String section) {
    return switch (section) {
      case "listeners" -> listeners();
      case "routes" -> routes();
      case "clusters" -> clusters();
      case "endpoints" -> endpoints();
      case "secrets" -> secrets(list(dump.get("secrets")));
      default -> throw new IllegalArgumentException(section);
    };
  }

  /**
   * istioctl proxy-config secret's columns, from the rows of {@code secrets}: the control plane's
   * (what its CA issued) or the workload's own ({@link WorkloadCerts}).
   */
  static Table secrets(List<Object> secrets) {
    Table t =
        new Table(
            "RESOURCE NAME",
            "TYPE",
            "STATUS",
            "VALID CERT",
            "SERIAL NUMBER",
            "NOT AFTER",
            "NOT BEFORE");
    for (Object o : secrets) {
      Map<String, Object> s = map(o);
      t.add(
          orDash(str(s.get("name"))),
          orDash(str(s.get("type"))),
          orDash(str(s.get("status"))),
          orDash(str(s.get("valid"))),
          orDash(str(s.get("serial"))),
          orDash(str(s.get("notAfter"))),
          orDash(str(s.get("notBefore"))));
    }
    return t;
  }

  /** Resources the control plane could not print as JSON (it says why in a string instead). */
  List<String> unprintable(String section) {
    List<String> out = new ArrayList<>();
    for (Object o : list(dump.get(section))) {
      if (o instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }

  private Table listeners() {
    Table t = new Table("NAME", "ADDRESS", "PORT", "TYPE");
    for (Map<String, Object> l : resources("listeners")) {
      String name = str(l.get("name"));
      Map<String, Object> socket = map(map(l.get("address")).get("socketAddress"));
      String address = socket.isEmpty() ? "-" : str(socket.get("address"));
      String port = socket.isEmpty() ? portOfName(name) : str(socket.get("portValue"));
      Set<String> types = new LinkedHashSet<>();
      if (!map(l.get("apiListener")).isEmpty()) {
        types.add("HTTP (API listener)");
      }
      for (Object chain : list(l.get("filterChains"))) {
        for (Object filter : list(map(chain).get("filters"))) {
          String type = str(map(map(filter).get("typedConfig")).get("@type"));
          if (type.endsWith(HCM)) {
            types.add("HTTP");
          } else if (type.endsWith(TCP_PROXY)) {
            types.add("TCP");
          }
        }
      }
      t.add(name, address, port, types.isEmpty() ? "-" : String.join("+", types));
    }
    return t;
  }

  private Table routes() {
    Table t = new Table("NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE");
    List<Map<String, Object>> configs = new ArrayList<>(resources("routes"));
    // Inbound listeners carry their route table inline, as Istio's do: show those too.
    for (Map<String, Object> l : resources("listeners")) {
      for (Object chain : list(l.get("filterChains"))) {
        for (Object filter : list(map(chain).get("filters"))) {
          Map<String, Object> inline = map(map(map(filter).get("typedConfig")).get("routeConfig"));
          if (!inline.isEmpty()) {
            configs.add(inline);
          }
        }
      }
    }
    Set<String> seen = new LinkedHashSet<>();
    for (Map<String, Object> rc : configs) {
      for (Object vh : list(rc.get("virtualHosts"))) {
        String domains = domains(list(map(vh).get("domains")));
        for (Object r : list(map(vh).get("routes"))) {
          String[] row = {
            str(rc.get("name")), domains, match(map(map(r).get("match"))), virtualService(map(r))
          };
          if (seen.add(String.join("\0", row))) {
            t.add(row);
          }
        }
      }
    }
    return t;
  }

  private Table clusters() {
    Table t = new Table("SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE");
    for (Map<String, Object> c : resources("clusters")) {
      String name = str(c.get("name"));
      String type = str(c.get("type"));
      if (type.equals("-") && !map(c.get("clusterType")).isEmpty()) {
        type = str(map(c.get("clusterType")).get("name"));
      } else if (type.equals("-") && c.containsKey("edsClusterConfig")) {
        type = "EDS";
      }
      // Istio's cluster names: DIRECTION|PORT|SUBSET|FQDN.
      String[] parts = name.split("\\|", -1);
      if (parts.length == 4) {
        t.add(parts[3], parts[1], orDash(parts[2]), parts[0], type);
      } else {
        t.add(name, "-", "-", "-", type);
      }
    }
    return t;
  }

  private Table endpoints() {
    Table t = new Table("ENDPOINT", "STATUS", "CLUSTER");
    for (Map<String, Object> cla : resources("endpoints")) {
      String cluster = str(cla.get("clusterName"));
      for (Object locality : list(cla.get("endpoints"))) {
        for (Object lb : list(map(locality).get("lbEndpoints"))) {
          Map<String, Object> socket =
              map(map(map(map(lb).get("endpoint")).get("address")).get("socketAddress"));
          Object health = map(lb).get("healthStatus");
          t.add(
              str(socket.get("address")) + ":" + str(socket.get("portValue")),
              health == null ? "UNKNOWN" : health.toString(),
              cluster);
        }
      }
    }
    return t;
  }

  /** The shortest host a virtual host answers for, and how many more, as istioctl shortens. */
  private static String domains(List<Object> domains) {
    List<String> hosts =
        domains.stream().map(String::valueOf).filter(d -> !d.matches(".*:\\d+$")).toList();
    if (hosts.isEmpty()) {
      hosts = domains.stream().map(String::valueOf).toList();
    }
    if (hosts.isEmpty()) {
      return "-";
    }
    String shortest = hosts.stream().min((a, b) -> a.length() - b.length()).orElseThrow();
    return hosts.size() == 1 ? shortest : shortest + " +" + (hosts.size() - 1) + " more";
  }

  private static String match(Map<String, Object> m) {
    String path;
    if (m.containsKey("prefix")) {
      path = m.get("prefix") + "*";
    } else if (m.containsKey("path")) {
      path = str(m.get("path"));
    } else if (m.containsKey("safeRegex")) {
      path = "regex " + str(map(m.get("safeRegex")).get("regex"));
    } else if (m.containsKey("pathSeparatedPrefix")) {
      path = m.get("pathSeparatedPrefix") + "/*";
    } else {
      path = "-";
    }
    List<String> headers = new ArrayList<>();
    for (Object h : list(m.get("headers"))) {
      headers.add(str(map(h).get("name")));
    }
    return headers.isEmpty() ? path : path + " (headers " + String.join(",", headers) + ")";
  }

  /**
   * Istio's route metadata names the VirtualService ({@code filterMetadata.istio.config}); a route
   * without one is the default route to the service.
   */
  private static String virtualService(Map<String, Object> route) {
    String config =
        str(map(map(map(route.get("metadata")).get("filterMetadata")).get("istio")).get("config"));
    if (!config.equals("-")) {
      String[] parts = config.split("/");
      return parts.length >= 2 ? parts[parts.length - 1] + "." + namespaceOf(parts) : config;
    }
    if (route.containsKey("nonForwardingAction")) {
      return "- (inbound)";
    }
    return "-";
  }

  private static String namespaceOf(String[] configPath) {
    for (int i = 0; i < configPath.length - 1; i++) {
      if (configPath[i].equals("namespaces")) {
        return configPath[i + 1];
      }
    }
    return "-";
  }

  private static String portOfName(String name) {
    int colon = name.lastIndexOf(':');
    return colon >= 0 && name.substring(colon + 1).matches("\\d+")
        ? name.substring(colon + 1)
        : "-";
  }

  private List<Map<String, Object>> resources(String section) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : list(dump.get(section))) {
      if (o instanceof Map<?, ?>) {
        out.add(map(o));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> ? (Map<String, Object>) o : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o instanceof List<?> ? (List<Object>) o : List.of();
  }

  private static String str(Object o) {
    return o == null ? "-" : o.toString();
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
