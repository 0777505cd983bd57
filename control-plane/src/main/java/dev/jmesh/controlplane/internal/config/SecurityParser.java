package dev.jmesh.controlplane.internal.config;

import static dev.jmesh.controlplane.internal.config.Fields.fail;

import dev.jmesh.controlplane.config.AuthorizationPolicy;
import dev.jmesh.controlplane.config.PeerAuthentication;
import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses {@code security.istio.io} kinds. */
final class SecurityParser {
  private SecurityParser() {}

  private static final Set<String> SOURCE_FIELDS =
      Set.of(
          "principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals",
          "namespaces", "notNamespaces", "ipBlocks", "notIpBlocks", "remoteIpBlocks",
          "notRemoteIpBlocks");
  private static final Set<String> OPERATION_FIELDS =
      Set.of("hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths",
          "notPaths");

  static PeerAuthentication peerAuthentication(ResourceMeta meta, YamlNode spec) {
    Map<Integer, PeerAuthentication.MtlsMode> ports = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> e : spec.get("portLevelMtls").entries("portLevelMtls")
        .entrySet()) {
      int port;
      try {
        port = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw fail(e.getValue(), "portLevelMtls: key '" + e.getKey() + "' is not a port number");
      }
      ports.put(port, mode(e.getValue().get("mode"), "portLevelMtls." + port + ".mode"));
    }
    Map<String, String> selector =
        Fields.labels(spec.get("selector"), "matchLabels", "selector.matchLabels");
    if (!ports.isEmpty() && selector.isEmpty()) {
      throw fail(
          spec.get("portLevelMtls"),
          "portLevelMtls: needs a workload selector (Istio ignores it otherwise)");
    }
    return new PeerAuthentication(meta, selector, mode(spec.path("mtls", "mode"), "mtls.mode"),
        ports);
  }

  private static PeerAuthentication.MtlsMode mode(YamlNode node, String what) {
    return Fields.enumValue(node, what, PeerAuthentication.MtlsMode.class,
        PeerAuthentication.MtlsMode.UNSET);
  }

  static AuthorizationPolicy authorizationPolicy(ResourceMeta meta, YamlNode spec) {
    AuthorizationPolicy.Action action =
        Fields.enumValue(spec.get("action"), "action", AuthorizationPolicy.Action.class,
            AuthorizationPolicy.Action.ALLOW);
    String provider = spec.path("provider", "name").text("provider.name", "");
    if (action == AuthorizationPolicy.Action.CUSTOM) {
      // Refused rather than ignored: skipping a policy meant to deny would open the workload.
      throw fail(spec.get("action"), "action CUSTOM needs an external authorizer"
          + (provider.isEmpty() ? "" : " (provider " + provider + ")")
          + ", which jmesh does not have yet; use ALLOW/DENY rules (with requestPrincipals or"
          + " request.auth.claims for JWT checks) instead");
    }
    List<AuthorizationPolicy.Rule> rules = new ArrayList<>();
    for (YamlNode r : spec.get("rules").items("rules")) {
      List<AuthorizationPolicy.Source> from = new ArrayList<>();
      for (YamlNode f : r.get("from").items("rules.from")) {
        from.add(new AuthorizationPolicy.Source(
            fieldLists(f.get("source"), "rules.from.source", SOURCE_FIELDS)));
      }
      List<AuthorizationPolicy.Operation> to = new ArrayList<>();
      for (YamlNode t : r.get("to").items("rules.to")) {
        to.add(new AuthorizationPolicy.Operation(
            fieldLists(t.get("operation"), "rules.to.operation", OPERATION_FIELDS)));
      }
      List<AuthorizationPolicy.Condition> when = new ArrayList<>();
      for (YamlNode w : r.get("when").items("rules.when")) {
        when.add(new AuthorizationPolicy.Condition(
            w.get("key").requiredText("rules.when.key"),
            w.get("values").texts("rules.when.values"),
            w.get("notValues").texts("rules.when.notValues")));
      }
      rules.add(new AuthorizationPolicy.Rule(from, to, when, r.line()));
    }
    return new AuthorizationPolicy(
        meta, Fields.labels(spec.get("selector"), "matchLabels", "selector.matchLabels"),
        action, provider, rules);
  }

  private static Map<String, List<String>> fieldLists(YamlNode node, String what,
      Set<String> allowed) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> e : node.entries(what).entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw fail(e.getValue(), what + ": unknown field '" + e.getKey() + "'");
      }
      List<String> values = e.getValue().texts(what + "." + e.getKey());
      for (String v : values) {
        String key = e.getKey().toLowerCase(java.util.Locale.ROOT);
        if (key.endsWith("ports") && !v.chars().allMatch(Character::isDigit)) {
          throw fail(e.getValue(), what + "." + e.getKey() + ": '" + v + "' is not a port number");
        }
        if (key.endsWith("ipblocks") && !isCidr(v)) {
          throw fail(e.getValue(), what + "." + e.getKey() + ": '" + v
              + "' is not an IP address or CIDR range (e.g. 10.0.0.0/8)");
        }
      }
      out.put(e.getKey(), values);
    }
    return out;
  }

  static boolean isCidr(String v) {
    int slash = v.indexOf('/');
    String ip = slash < 0 ? v : v.substring(0, slash);
    boolean v6 = ip.contains(":");
    if (v6 ? !ip.matches("[0-9a-fA-F:.]+") : !ip.matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
      return false;
    }
    if (slash < 0) {
      return true;
    }
    String len = v.substring(slash + 1);
    return len.matches("\\d{1,3}") && Integer.parseInt(len) <= (v6 ? 128 : 32);
  }
}
