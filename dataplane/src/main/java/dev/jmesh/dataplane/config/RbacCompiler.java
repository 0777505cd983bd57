package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.policy.CidrBlock;
import dev.jmesh.dataplane.policy.RbacFilter;
import dev.jmesh.dataplane.policy.RbacMatcher;
import dev.jmesh.dataplane.policy.RbacMatchers;
import dev.jmesh.dataplane.policy.RequestAuth;
import dev.jmesh.dataplane.policy.ValueMatch;
import dev.jmesh.dataplane.route.StringMatch;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles Envoy RBAC (HTTP and network filters, as istiod writes them for AuthorizationPolicy)
 * into {@link RbacFilter}s of immutable matcher trees.
 */
final class RbacCompiler {

  private static final Set<String> HTTP_RBAC =
      Set.of(
          "rules",
          "rules_stat_prefix",
          "shadow_rules",
          "shadow_rules_stat_prefix",
          "track_per_rule_stats");
  private static final Set<String> NETWORK_RBAC =
      Set.of("rules", "stat_prefix", "shadow_rules", "shadow_rules_stat_prefix");
  private static final Set<String> RULES = Set.of("action", "policies");
  private static final Set<String> POLICY = Set.of("permissions", "principals");
  private static final Set<String> PRINCIPAL =
      Set.of(
          "and_ids",
          "or_ids",
          "any",
          "authenticated",
          "source_ip",
          "direct_remote_ip",
          "remote_ip",
          "header",
          "url_path",
          "metadata",
          "not_id");
  private static final Set<String> PERMISSION =
      Set.of(
          "and_rules",
          "or_rules",
          "any",
          "header",
          "url_path",
          "destination_ip",
          "destination_port",
          "destination_port_range",
          "metadata",
          "not_rule");
  private static final Set<String> CIDR = Set.of("address_prefix", "prefix_len");
  private static final Set<String> METADATA = Set.of("filter", "path", "value", "invert");
  private static final Set<String> VALUE =
      Set.of("string_match", "bool_match", "present_match", "list_match", "or_match");
  private static final Set<String> AUTH_KEYS =
      Set.of(
          RequestAuth.PRINCIPAL, RequestAuth.AUDIENCES, RequestAuth.PRESENTER, RequestAuth.CLAIMS);

  private RbacCompiler() {}

  /** An HTTP RBAC filter; {@code null} when it has no {@code rules} (Envoy lets all through). */
  static RbacFilter http(
      String name, io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC config, String at)
      throws InvalidConfigException {
    SupportedFields.check(config, at, HTTP_RBAC);
    if (config.hasShadowRules()) {
      // Shadow rules only count in stats; compiled so that a broken one is still reported.
      rules(name, config.getShadowRules(), at + ".shadow_rules");
    }
    return config.hasRules() ? rules(name, config.getRules(), at + ".rules") : null;
  }

  /** A network RBAC filter; {@code null} when it has no {@code rules}. */
  static RbacFilter network(
      String name, io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC config, String at)
      throws InvalidConfigException {
    SupportedFields.check(config, at, NETWORK_RBAC);
    if (config.hasShadowRules()) {
      rules(name, config.getShadowRules(), at + ".shadow_rules");
    }
    return config.hasRules() ? rules(name, config.getRules(), at + ".rules") : null;
  }

  static RbacFilter rules(String name, RBAC rbac, String at) throws InvalidConfigException {
    SupportedFields.check(rbac, at, RULES);
    RbacFilter.Action action;
    switch (rbac.getAction()) {
      case ALLOW:
        action = RbacFilter.Action.ALLOW;
        break;
      case DENY:
        action = RbacFilter.Action.DENY;
        break;
      case LOG:
        action = RbacFilter.Action.LOG;
        break;
      default:
        throw new InvalidConfigException(at + ".action", "unknown action " + rbac.getActionValue());
    }
    List<RbacFilter.Policy> policies = new ArrayList<>();
    // Sorted by name: the order Envoy's map happens to give is not one to rely on, and a stable
    // one keeps the first matching policy the same from one config to the next.
    for (Map.Entry<String, Policy> e : new java.util.TreeMap<>(rbac.getPoliciesMap()).entrySet()) {
      String pat = at + ".policies[" + e.getKey() + "]";
      Policy p = e.getValue();
      SupportedFields.check(p, pat, POLICY);
      if (p.getPermissionsCount() == 0) {
        throw new InvalidConfigException(pat + ".permissions", "must not be empty");
      }
      if (p.getPrincipalsCount() == 0) {
        throw new InvalidConfigException(pat + ".principals", "must not be empty");
      }
      List<RbacMatcher> permissions = new ArrayList<>();
      for (int i = 0; i < p.getPermissionsCount(); i++) {
        permissions.add(permission(p.getPermissions(i), pat + ".permissions[" + i + "]"));
      }
      List<RbacMatcher> principals = new ArrayList<>();
      for (int i = 0; i < p.getPrincipalsCount(); i++) {
        principals.add(principal(p.getPrincipals(i), pat + ".principals[" + i + "]"));
      }
      policies.add(
          new RbacFilter.Policy(
              e.getKey(), RbacMatchers.or(permissions), RbacMatchers.or(principals)));
    }
    return new RbacFilter(name, action, policies);
  }

  static RbacMatcher principal(Principal p, String at) throws InvalidConfigException {
    SupportedFields.check(p, at, PRINCIPAL);
    switch (p.getIdentifierCase()) {
      case AND_IDS:
        return RbacMatchers.and(principals(p.getAndIds().getIdsList(), at + ".and_ids.ids"));
      case OR_IDS:
        return RbacMatchers.or(principals(p.getOrIds().getIdsList(), at + ".or_ids.ids"));
      case ANY:
        if (!p.getAny()) {
          throw new InvalidConfigException(at + ".any", "must be true");
        }
        return RbacMatcher.ANY;
      case AUTHENTICATED:
        {
          SupportedFields.check(
              p.getAuthenticated(), at + ".authenticated", Set.of("principal_name"));
          return RbacMatchers.authenticated(
              p.getAuthenticated().hasPrincipalName()
                  ? MatcherCompiler.string(
                      p.getAuthenticated().getPrincipalName(), at + ".authenticated.principal_name")
                  : null);
        }
      case SOURCE_IP:
        return RbacMatchers.remoteIp(cidr(p.getSourceIp(), at + ".source_ip"));
      case DIRECT_REMOTE_IP:
        return RbacMatchers.remoteIp(cidr(p.getDirectRemoteIp(), at + ".direct_remote_ip"));
      case REMOTE_IP:
        return RbacMatchers.remoteIp(cidr(p.getRemoteIp(), at + ".remote_ip"));
      case HEADER:
        return header(p.getHeader(), at + ".header");
      case URL_PATH:
        return urlPath(p.getUrlPath(), at + ".url_path");
      case METADATA:
        return metadata(p.getMetadata(), at + ".metadata");
      case NOT_ID:
        return RbacMatchers.not(principal(p.getNotId(), at + ".not_id"));
      default:
        throw new InvalidConfigException(at, "an identifier is required");
    }
  }

  static RbacMatcher permission(Permission p, String at) throws InvalidConfigException {
    SupportedFields.check(p, at, PERMISSION);
    switch (p.getRuleCase()) {
      case AND_RULES:
        return RbacMatchers.and(permissions(p.getAndRules().getRulesList(), at + ".and_rules"));
      case OR_RULES:
        return RbacMatchers.or(permissions(p.getOrRules().getRulesList(), at + ".or_rules"));
      case ANY:
        if (!p.getAny()) {
          throw new InvalidConfigException(at + ".any", "must be true");
        }
        return RbacMatcher.ANY;
      case HEADER:
        return header(p.getHeader(), at + ".header");
      case URL_PATH:
        return urlPath(p.getUrlPath(), at + ".url_path");
      case DESTINATION_IP:
        return RbacMatchers.destinationIp(cidr(p.getDestinationIp(), at + ".destination_ip"));
      case DESTINATION_PORT:
        if (p.getDestinationPort() > 65535) {
          throw new InvalidConfigException(at + ".destination_port", "must be at most 65535");
        }
        return RbacMatchers.destinationPort(p.getDestinationPort());
      case DESTINATION_PORT_RANGE:
        {
          long start = p.getDestinationPortRange().getStart();
          long end = p.getDestinationPortRange().getEnd();
          if (start < 0 || end > 65536 || start >= end) {
            throw new InvalidConfigException(
                at + ".destination_port_range", "must be a range [start, end) of ports");
          }
          return RbacMatchers.destinationPortRange((int) start, (int) end);
        }
      case METADATA:
        return metadata(p.getMetadata(), at + ".metadata");
      case NOT_RULE:
        return RbacMatchers.not(permission(p.getNotRule(), at + ".not_rule"));
      default:
        throw new InvalidConfigException(at, "a rule is required");
    }
  }

  private static List<RbacMatcher> principals(List<Principal> list, String at)
      throws InvalidConfigException {
    if (list.isEmpty()) {
      throw new InvalidConfigException(at, "must not be empty");
    }
    List<RbacMatcher> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(principal(list.get(i), at + "[" + i + "]"));
    }
    return out;
  }

  private static List<RbacMatcher> permissions(List<Permission> list, String at)
      throws InvalidConfigException {
    if (list.isEmpty()) {
      throw new InvalidConfigException(at + ".rules", "must not be empty");
    }
    List<RbacMatcher> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(permission(list.get(i), at + ".rules[" + i + "]"));
    }
    return out;
  }

  /** A header matcher; {@code host} is the authority, as Envoy's HTTP/2 view names it. */
  private static RbacMatcher header(HeaderMatcher h, String at) throws InvalidConfigException {
    HeaderMatcher named =
        h.getName().equalsIgnoreCase("host") ? h.toBuilder().setName(":authority").build() : h;
    return RbacMatchers.header(MatcherCompiler.header(named, at));
  }

  private static RbacMatcher urlPath(PathMatcher p, String at) throws InvalidConfigException {
    SupportedFields.check(p, at, Set.of("path"));
    if (!p.hasPath()) {
      throw new InvalidConfigException(at + ".path", "is required");
    }
    return RbacMatchers.urlPath(string(p.getPath(), at + ".path"));
  }

  /**
   * A string matcher; istiod's regexes that only wrap a literal ({@code .*\/ns/prod/.*} for a
   * namespace, {@code .*} for {@code *}) become literal matchers, which compare without the
   * allocation and cost of running a regex on every request. (RE2's {@code .} stops at a newline,
   * which no header, path or SPIFFE ID holds.)
   */
  static StringMatch string(StringMatcher m, String at) throws InvalidConfigException {
    StringMatch compiled = MatcherCompiler.string(m, at);
    if (m.hasSafeRegex()) {
      StringMatch literal = literalRegex(m.getSafeRegex().getRegex());
      if (literal != null) {
        return literal;
      }
    }
    return compiled;
  }

  /** The literal matcher equal to {@code regex}, or {@code null} when it is not that simple. */
  static StringMatch literalRegex(String regex) {
    boolean leading = regex.startsWith(".*");
    String rest = leading ? regex.substring(2) : regex;
    boolean trailing = rest.endsWith(".*") && !rest.endsWith("\\.*");
    if (trailing) {
      rest = rest.substring(0, rest.length() - 2);
    }
    StringBuilder literal = new StringBuilder(rest.length());
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '\\') {
        if (i + 1 == rest.length() || Character.isLetterOrDigit(rest.charAt(i + 1))) {
          return null; // \d, \Q and friends are not literals
        }
        literal.append(rest.charAt(++i));
      } else if (".^$*+?()[]{}|\n".indexOf(c) >= 0) {
        return null;
      } else {
        literal.append(c);
      }
    }
    String value = literal.toString();
    if ((leading || trailing) && value.isEmpty()) {
      // ".*": everything, which an empty prefix also matches.
      return StringMatch.literal(StringMatch.Kind.PREFIX, "", false);
    }
    if (leading && trailing) {
      return StringMatch.literal(StringMatch.Kind.CONTAINS, value, false);
    }
    if (leading) {
      return StringMatch.literal(StringMatch.Kind.SUFFIX, value, false);
    }
    if (trailing) {
      return StringMatch.literal(StringMatch.Kind.PREFIX, value, false);
    }
    return StringMatch.literal(StringMatch.Kind.EXACT, value, false);
  }

  private static CidrBlock cidr(CidrRange r, String at) throws InvalidConfigException {
    SupportedFields.check(r, at, CIDR);
    try {
      return CidrBlock.of(r.getAddressPrefix(), r.getPrefixLen().getValue());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(at, e.getMessage());
    }
  }

  /**
   * Istio's {@code request.auth.*} matchers: metadata of filter {@code istio_authn}, which this
   * data path fills from the JWT filter earlier in the chain. Other metadata does not exist here.
   */
  private static RbacMatcher metadata(MetadataMatcher m, String at) throws InvalidConfigException {
    SupportedFields.check(m, at, METADATA);
    if (!m.getFilter().equals(RequestAuth.METADATA_FILTER)) {
      throw new InvalidConfigException(
          at + ".filter",
          "only "
              + RequestAuth.METADATA_FILTER
              + " metadata (request.auth.*) is available, not '"
              + m.getFilter()
              + "'");
    }
    List<String> path = new ArrayList<>();
    for (int i = 0; i < m.getPathCount(); i++) {
      SupportedFields.check(m.getPath(i), at + ".path[" + i + "]", Set.of("key"));
      path.add(m.getPath(i).getKey());
    }
    if (path.isEmpty() || !AUTH_KEYS.contains(path.get(0))) {
      throw new InvalidConfigException(
          at + ".path", "must start with one of " + new java.util.TreeSet<>(AUTH_KEYS));
    }
    if (!m.hasValue()) {
      throw new InvalidConfigException(at + ".value", "is required");
    }
    return RbacMatchers.requestAuth(path, value(m.getValue(), at + ".value"), m.getInvert());
  }

  private static ValueMatch value(ValueMatcher v, String at) throws InvalidConfigException {
    SupportedFields.check(v, at, VALUE);
    switch (v.getMatchPatternCase()) {
      case STRING_MATCH:
        return ValueMatch.string(string(v.getStringMatch(), at + ".string_match"));
      case BOOL_MATCH:
        return ValueMatch.bool(v.getBoolMatch());
      case PRESENT_MATCH:
        return ValueMatch.present(v.getPresentMatch());
      case LIST_MATCH:
        SupportedFields.check(v.getListMatch(), at + ".list_match", Set.of("one_of"));
        if (!v.getListMatch().hasOneOf()) {
          throw new InvalidConfigException(at + ".list_match.one_of", "is required");
        }
        return ValueMatch.oneOf(value(v.getListMatch().getOneOf(), at + ".list_match.one_of"));
      case OR_MATCH:
        {
          List<ValueMatch> any = new ArrayList<>();
          for (int i = 0; i < v.getOrMatch().getValueMatchersCount(); i++) {
            any.add(
                value(
                    v.getOrMatch().getValueMatchers(i),
                    at + ".or_match.value_matchers[" + i + "]"));
          }
          if (any.isEmpty()) {
            throw new InvalidConfigException(at + ".or_match.value_matchers", "must not be empty");
          }
          return ValueMatch.or(any);
        }
      default:
        throw new InvalidConfigException(at, "a match pattern is required");
    }
  }
}
