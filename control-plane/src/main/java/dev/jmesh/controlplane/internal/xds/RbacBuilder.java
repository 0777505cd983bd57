package dev.jmesh.controlplane.internal.xds;

import dev.jmesh.controlplane.config.AuthorizationPolicy;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Istio's AuthorizationPolicy as Envoy RBAC, the way istiod translates it: one policy per rule,
 * whose principals are the rule's {@code from} sources (ORed) and whose permissions are its
 * {@code to} operations (ORed), every field of a source or operation ANDed, {@code when}
 * conditions ANDed to both. Principals are SPIFFE IDs ({@code spiffe://} is prepended).
 * AUDIT policies become an RBAC of action LOG.
 *
 * <p>Request credentials ({@code requestPrincipals}, {@code request.auth.principal},
 * {@code .audiences}, {@code .presenter}, {@code .claims[name]}) are dynamic metadata matchers
 * on filter {@code istio_authn}, which the data path's JWT filter fills, exactly as istiod
 * emits them.
 *
 * <p>A field the chain cannot check (HTTP-only fields on a TCP port, an unknown condition)
 * follows istiod: an ALLOW rule holding it is dropped (matches nothing), a DENY or AUDIT rule
 * drops only that field (so a DENY denies more, never less).
 */
final class RbacBuilder {
  private RbacBuilder() {}

  /** Filter whose dynamic metadata holds the authenticated request's JWT facts (istiod's). */
  static final String AUTHN_FILTER = "istio_authn";

  /** The RBAC rules for policies of one action on an HTTP chain; null when there are none. */
  static RBAC build(List<AuthorizationPolicy> policies, AuthorizationPolicy.Action action) {
    return build(policies, action, false);
  }

  /**
   * The RBAC rules for policies of one action (ALLOW, DENY or AUDIT); null when there are
   * none. {@code tcp} is true for a TCP chain, where HTTP-only fields cannot be checked.
   */
  static RBAC build(List<AuthorizationPolicy> policies, AuthorizationPolicy.Action action,
      boolean tcp) {
    RBAC.Builder rbac = RBAC.newBuilder().setAction(action(action));
    boolean any = false;
    for (AuthorizationPolicy ap : policies) {
      if (ap.action() != action) {
        continue;
      }
      any = true;
      for (int i = 0; i < ap.rules().size(); i++) {
        Policy p = rule(ap.rules().get(i), action != AuthorizationPolicy.Action.ALLOW, tcp);
        if (p != null) {
          rbac.putPolicies("ns[" + ap.namespace() + "]-policy[" + ap.name() + "]-rule[" + i + "]",
              p);
        }
      }
    }
    return any ? rbac.build() : null;
  }

  private static RBAC.Action action(AuthorizationPolicy.Action action) {
    switch (action) {
      case DENY:
        return RBAC.Action.DENY;
      case AUDIT:
        return RBAC.Action.LOG;
      default:
        return RBAC.Action.ALLOW;
    }
  }

  /**
   * One rule as a policy; null when it cannot match. {@code lenient} (DENY, AUDIT) drops a
   * field the chain cannot check, otherwise (ALLOW) the whole rule is dropped.
   */
  private static Policy rule(AuthorizationPolicy.Rule rule, boolean lenient, boolean tcp) {
    List<Principal> extraIds = new ArrayList<>();
    List<Permission> extraRules = new ArrayList<>();
    for (AuthorizationPolicy.Condition c : rule.when()) {
      if (!condition(c, tcp, extraIds, extraRules) && !lenient) {
        return null;
      }
    }
    Policy.Builder p = Policy.newBuilder();
    if (rule.from().isEmpty()) {
      p.addPrincipals(and(extraIds, Principal.newBuilder().setAny(true).build()));
    }
    for (AuthorizationPolicy.Source s : rule.from()) {
      List<Principal> ids = new ArrayList<>(extraIds);
      for (Map.Entry<String, List<String>> f : s.fields().entrySet()) {
        boolean negate = f.getKey().startsWith("not");
        Principal field = orIds(f.getValue(), sourceField(f.getKey(), tcp));
        if (field == null) {
          if (!lenient) {
            return null;
          }
          continue;
        }
        ids.add(negate ? Principal.newBuilder().setNotId(field).build() : field);
      }
      p.addPrincipals(and(ids, Principal.newBuilder().setAny(true).build()));
    }
    if (rule.to().isEmpty()) {
      p.addPermissions(andRules(extraRules));
    }
    for (AuthorizationPolicy.Operation o : rule.to()) {
      List<Permission> rules = new ArrayList<>(extraRules);
      for (Map.Entry<String, List<String>> f : o.fields().entrySet()) {
        boolean negate = f.getKey().startsWith("not");
        Function<String, Permission> g = operationField(f.getKey(), tcp);
        if (g == null) {
          if (!lenient) {
            return null;
          }
          continue;
        }
        Permission field = orRules(f.getValue(), g);
        rules.add(negate ? Permission.newBuilder().setNotRule(field).build() : field);
      }
      p.addPermissions(andRules(rules));
    }
    return p.build();
  }

  /** Adds a {@code when} condition; false when this chain cannot check it. */
  private static boolean condition(AuthorizationPolicy.Condition c, boolean tcp,
      List<Principal> ids, List<Permission> rules) {
    String key = c.key();
    if (key.startsWith("request.headers[") && key.endsWith("]")) {
      if (tcp) {
        return false;
      }
      String header = key.substring("request.headers[".length(), key.length() - 1);
      Function<String, Permission> f = v -> Permission.newBuilder()
          .setHeader(header(header, v)).build();
      addRule(rules, c, f);
      return true;
    }
    if (key.startsWith("request.auth.claims[") && key.endsWith("]")) {
      if (tcp) {
        return false;
      }
      String claim = key.substring("request.auth.claims[".length(), key.length() - 1);
      addId(ids, c, v -> Principal.newBuilder().setMetadata(claimMatcher(claim, v)).build());
      return true;
    }
    switch (key) {
      case "request.auth.principal":
      case "request.auth.audiences":
      case "request.auth.presenter":
        if (tcp) {
          return false;
        }
        addId(ids, c, v -> Principal.newBuilder().setMetadata(authnMatcher(key, v)).build());
        return true;
      case "destination.port":
        addRule(rules, c, operationField("ports", tcp));
        return true;
      case "source.ip":
        addId(ids, c, sourceField("ipBlocks", tcp));
        return true;
      case "remote.ip":
        addId(ids, c, sourceField("remoteIpBlocks", tcp));
        return true;
      case "source.namespace":
        addId(ids, c, sourceField("namespaces", tcp));
        return true;
      case "source.principal":
        addId(ids, c, sourceField("principals", tcp));
        return true;
      default:
        return false;
    }
  }

  /** istiod's matcher of a request credential: {@code istio_authn}, path {@code [key]}. */
  static MetadataMatcher authnMatcher(String key, String v) {
    return MetadataMatcher.newBuilder().setFilter(AUTHN_FILTER)
        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(key))
        .setValue(ValueMatcher.newBuilder().setStringMatch(istioString(v)))
        .build();
  }

  /** istiod's claim matcher: a list match on path {@code [request.auth.claims, claim]}. */
  static MetadataMatcher claimMatcher(String claim, String v) {
    return MetadataMatcher.newBuilder().setFilter(AUTHN_FILTER)
        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("request.auth.claims"))
        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(claim))
        .setValue(ValueMatcher.newBuilder().setListMatch(ListMatcher.newBuilder()
            .setOneOf(ValueMatcher.newBuilder().setStringMatch(istioString(v)))))
        .build();
  }

  private static void addRule(List<Permission> rules, AuthorizationPolicy.Condition c,
      Function<String, Permission> f) {
    if (!c.values().isEmpty()) {
      rules.add(orRules(c.values(), f));
    }
    if (!c.notValues().isEmpty()) {
      rules.add(Permission.newBuilder().setNotRule(orRules(c.notValues(), f)).build());
    }
  }

  private static void addId(List<Principal> ids, AuthorizationPolicy.Condition c,
      Function<String, Principal> f) {
    if (!c.values().isEmpty()) {
      ids.add(orIds(c.values(), f));
    }
    if (!c.notValues().isEmpty()) {
      ids.add(Principal.newBuilder().setNotId(orIds(c.notValues(), f)).build());
    }
  }

  /** Null for fields this chain cannot check (request principals on TCP). */
  private static Function<String, Principal> sourceField(String field, boolean tcp) {
    switch (field) {
      case "principals":
      case "notPrincipals":
        return v -> authenticated(spiffe(v));
      case "namespaces":
      case "notNamespaces":
        return v -> authenticated(StringMatcher.newBuilder().setSafeRegex(RegexMatcher
            .newBuilder().setRegex(".*/ns/" + wildcardRegex(v) + "/.*")).build());
      case "ipBlocks":
      case "notIpBlocks":
        return v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build();
      case "remoteIpBlocks":
      case "notRemoteIpBlocks":
        return v -> Principal.newBuilder().setRemoteIp(cidr(v)).build();
      case "requestPrincipals":
      case "notRequestPrincipals":
        return tcp ? null : v -> Principal.newBuilder()
            .setMetadata(authnMatcher("request.auth.principal", v)).build();
      default:
        return null;
    }
  }

  /** Null for fields this chain cannot check (hosts, methods, paths on TCP). */
  private static Function<String, Permission> operationField(String field, boolean tcp) {
    switch (field) {
      case "methods":
      case "notMethods":
        return tcp ? null : v -> Permission.newBuilder().setHeader(header(":method", v)).build();
      case "hosts":
      case "notHosts":
        return tcp ? null : v -> Permission.newBuilder().setHeader(HeaderMatcher.newBuilder()
            .setName(":authority").setStringMatch(wildcard(v).toBuilder().setIgnoreCase(true)))
            .build();
      case "ports":
      case "notPorts":
        return v -> Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build();
      case "paths":
      case "notPaths":
        return tcp ? null : v -> Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
            .setPath(wildcard(v))).build();
      default:
        return null;
    }
  }

  private static Principal orIds(List<String> values, Function<String, Principal> f) {
    if (f == null) {
      return null;
    }
    if (values.size() == 1) {
      return f.apply(values.get(0));
    }
    Principal.Set.Builder set = Principal.Set.newBuilder();
    values.forEach(v -> set.addIds(f.apply(v)));
    return Principal.newBuilder().setOrIds(set).build();
  }

  private static Permission orRules(List<String> values, Function<String, Permission> f) {
    if (values.size() == 1) {
      return f.apply(values.get(0));
    }
    Permission.Set.Builder set = Permission.Set.newBuilder();
    values.forEach(v -> set.addRules(f.apply(v)));
    return Permission.newBuilder().setOrRules(set).build();
  }

  private static Principal and(List<Principal> ids, Principal whenEmpty) {
    if (ids.isEmpty()) {
      return whenEmpty;
    }
    return ids.size() == 1 ? ids.get(0)
        : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(ids)).build();
  }

  private static Permission andRules(List<Permission> rules) {
    if (rules.isEmpty()) {
      return Permission.newBuilder().setAny(true).build();
    }
    return rules.size() == 1 ? rules.get(0)
        : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(rules))
            .build();
  }

  private static Principal authenticated(StringMatcher name) {
    return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
        .setPrincipalName(name)).build();
  }

  /** Istio's principal matching: {@code *} is any, {@code a*} a prefix, {@code *a} a suffix. */
  private static StringMatcher spiffe(String v) {
    if (v.equals("*")) {
      return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".+"))
          .build();
    }
    if (v.startsWith("*")) {
      return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
    }
    if (v.endsWith("*")) {
      return StringMatcher.newBuilder().setPrefix("spiffe://" + v.substring(0, v.length() - 1))
          .build();
    }
    return StringMatcher.newBuilder().setExact("spiffe://" + v).build();
  }

  /** istiod's matcher of a credential value: {@code *} is any non-empty value. */
  private static StringMatcher istioString(String v) {
    if (v.equals("*")) {
      return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".+"))
          .build();
    }
    if (v.startsWith("*")) {
      return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
    }
    if (v.endsWith("*")) {
      return StringMatcher.newBuilder().setPrefix(v.substring(0, v.length() - 1)).build();
    }
    return StringMatcher.newBuilder().setExact(v).build();
  }

  private static StringMatcher wildcard(String v) {
    if (v.equals("*")) {
      return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".*"))
          .build();
    }
    if (v.startsWith("*")) {
      return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
    }
    if (v.endsWith("*")) {
      return StringMatcher.newBuilder().setPrefix(v.substring(0, v.length() - 1)).build();
    }
    return StringMatcher.newBuilder().setExact(v).build();
  }

  private static String wildcardRegex(String v) {
    return com.google.re2j.Pattern.quote(v).replace("*", "\\E.*\\Q");
  }

  private static HeaderMatcher header(String name, String v) {
    return HeaderMatcher.newBuilder().setName(name).setStringMatch(wildcard(v)).build();
  }

  private static CidrRange cidr(String v) {
    int slash = v.indexOf('/');
    String ip = slash < 0 ? v : v.substring(0, slash);
    int len = slash < 0 ? (ip.contains(":") ? 128 : 32) : Integer.parseInt(v.substring(slash + 1));
    return CidrRange.newBuilder().setAddressPrefix(ip)
        .setPrefixLen(com.google.protobuf.UInt32Value.of(len)).build();
  }
}
